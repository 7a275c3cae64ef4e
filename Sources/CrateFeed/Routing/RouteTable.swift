/// The routes' topic filters in configuration order; a message goes to the first route whose filter matches.
public struct RouteTable: Sendable {
    public private(set) var entries: [(filter: TopicFilter, route: Int)]

    public init(_ entries: [(filter: TopicFilter, route: Int)] = []) {
        self.entries = entries
    }

    public mutating func append(_ filter: TopicFilter, route: Int) {
        entries.append((filter, route))
    }

    /// The first route matching `topic` (UTF-8 bytes) and its captures as ranges into `topic`. Allocates nothing.
    public func route(for topic: UnsafeRawBufferPointer) -> (index: Int, captures: TopicCaptures)? {
        var captures = TopicCaptures()
        // Through a buffer pointer: iterating `entries` directly would copy each filter (and retain its arrays).
        return entries.withUnsafeBufferPointer { entries in
            for index in entries.indices where entries[index].filter.match(topic, captures: &captures) {
                return (entries[index].route, captures)
            }
            return nil
        }
    }

    /// The first route matching `topic` and its captured values. Allocates; for tests and tools.
    public func route(for topic: String) -> (index: Int, captures: [String])? {
        var topic = topic
        return topic.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard let match = route(for: bytes) else { return nil }
            return (match.index, match.captures.strings(in: bytes))
        }
    }

    /// The MQTT filters to subscribe to: each distinct filter once, leaving out any that another one covers
    /// (`sensors/#` covers `sensors/+/temp`), so that the broker does not deliver one message twice.
    public var subscriptionFilters: [String] {
        var kept: [TopicFilter] = []
        for (filter, _) in entries {
            let plain = try? TopicFilter(filter.mqttFilter)
            guard let plain, !kept.contains(where: { $0.covers(plain) }) else { continue }
            kept.removeAll { plain.covers($0) }
            kept.append(plain)
        }
        return kept.map(\.mqttFilter)
    }
}
