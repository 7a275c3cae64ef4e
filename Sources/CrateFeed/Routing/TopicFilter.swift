/// A route's topic filter: an MQTT filter whose wildcards may carry a name, e.g. `sensors/+device/+sensor` or
/// `plant/+site/#rest`. A bare `+` or `#` is an unnamed wildcard.
///
/// Named wildcards become TEXT columns of the route's table, so a name must be a CrateDB column name:
/// `[a-z][a-z0-9_]*` (CrateDB reserves names that start with `_` for its system columns).
/// Matching follows MQTT (3.1.1 and 5, "Topic wildcards"): `+` matches exactly one level, which may be empty;
/// `#` matches the rest of the topic including nothing at all (`a/#` matches `a`); a topic starting with `$`
/// is not matched by a filter that starts with a wildcard.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// One level of the filter. Plain data (literal text lives in `literals`) so matching copies no references.
    struct Level: Sendable, Hashable {
        enum Kind: Sendable, Hashable { case literal, oneLevel, rest }
        var kind: Kind
        /// The index into the captures, or -1 for an unnamed wildcard or a literal.
        var capture = -1
        /// A literal's bytes: `literals[literalStart..<literalStart + literalCount]`.
        var literalStart = 0
        var literalCount = 0
    }

    /// The filter as configured, names included.
    public let text: String
    /// The filter to subscribe with: names removed (`sensors/+/+`).
    public let mqttFilter: String
    /// The named wildcards in order; `match` returns one capture per name.
    public let captureNames: [String]
    let levels: [Level]
    let literals: [UInt8]

    public var description: String { text }

    /// Parses `text`; `reservedNames` are column names the route's table already has (e.g. `ts`, `topic`),
    /// which a capture may not reuse.
    public init(_ text: String, reservedNames: Set<String> = []) throws {
        func fail(_ problem: String) -> TopicFilterError { TopicFilterError(filter: text, problem: problem) }

        guard !text.isEmpty else { throw fail("is empty; give a topic such as \"sensors/+device/#\"") }
        guard text.utf8.count <= 65_535 else { throw fail("is longer than MQTT's 65,535 bytes") }
        guard !text.utf8.contains(0) else { throw fail("contains a NUL character, which MQTT does not allow") }
        if text.hasPrefix("$share/") || text.hasPrefix("$queue/") {
            throw fail("shared subscriptions are set with [mqtt] shared_group, not in a route's topic")
        }

        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        var levels: [Level] = []
        var literals: [UInt8] = []
        var names: [String] = []
        var mqttLevels: [Substring] = []
        for (position, part) in parts.enumerated() {
            let wildcard = part.first
            guard wildcard == "+" || wildcard == "#" else {
                if part.contains("+") || part.contains("#") {
                    throw fail("'+' and '#' must start a level of their own, found \"\(part)\"")
                }
                levels.append(Level(kind: .literal, literalStart: literals.count, literalCount: part.utf8.count))
                literals.append(contentsOf: part.utf8)
                mqttLevels.append(part)
                continue
            }
            let name = part.dropFirst()
            if name.contains("+") || name.contains("#") {
                throw fail("'+' and '#' must start a level of their own, found \"\(part)\"")
            }
            if wildcard == "#", position != parts.count - 1 {
                throw fail("'#' must be the last level")
            }
            var capture = -1
            if !name.isEmpty {
                let name = String(name)
                if let problem = Self.problemWithCaptureName(name) { throw fail(problem) }
                if names.contains(name) { throw fail("the name \"\(name)\" is used twice") }
                if reservedNames.contains(name) {
                    throw fail("the name \"\(name)\" is already a column of the route's table; choose another")
                }
                guard names.count < TopicCaptures.capacity else {
                    throw fail("more than \(TopicCaptures.capacity) named wildcards")
                }
                capture = names.count
                names.append(name)
            }
            levels.append(Level(kind: wildcard == "+" ? .oneLevel : .rest, capture: capture))
            mqttLevels.append(wildcard == "+" ? "+" : "#")
        }
        self.text = text
        self.levels = levels
        self.literals = literals
        self.captureNames = names
        self.mqttFilter = mqttLevels.joined(separator: "/")
    }

    static func problemWithCaptureName(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "_") {
            return "the name \"\(name)\" starts with '_', which CrateDB reserves for system columns"
        }
        let first: (UInt8) -> Bool = { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
        let rest: (UInt8) -> Bool = { first($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
        guard let head = bytes.first, first(head), bytes.dropFirst().allSatisfy(rest) else {
            return "the name \"\(name)\" is not a column name: use lowercase letters, digits and '_', starting with a letter"
        }
        return nil
    }

    var startsWithWildcard: Bool { levels[0].kind != .literal }

    private func literal(_ level: Level) -> ArraySlice<UInt8> {
        literals[level.literalStart..<(level.literalStart + level.literalCount)]
    }

    /// Matches `topic` (UTF-8 bytes) and fills `captures`; allocates nothing. Returns false when it does not match.
    public func match(_ topic: UnsafeRawBufferPointer, captures: inout TopicCaptures) -> Bool {
        captures.removeAll()
        let count = topic.count
        guard count <= Int(UInt32.max) else { return false }
        if startsWithWildcard, count > 0, topic[0] == UInt8(ascii: "$") { return false }

        var levelStart = 0
        var exhausted = false  // every level of the topic has been consumed
        return levels.withUnsafeBufferPointer { levels in
            literals.withUnsafeBufferPointer { literals in
                for level in levels {
                    if exhausted {
                        // Only '#' matches past the end: `a/#` matches `a`, capturing "".
                        guard level.kind == .rest else { return false }
                        if level.capture >= 0 { captures.append(count..<count) }
                        return true
                    }
                    var levelEnd = levelStart
                    while levelEnd < count, topic[levelEnd] != UInt8(ascii: "/") { levelEnd += 1 }
                    switch level.kind {
                    case .literal:
                        guard level.literalCount == levelEnd - levelStart else { return false }
                        for offset in 0..<level.literalCount where literals[level.literalStart + offset] != topic[levelStart + offset] {
                            return false
                        }
                    case .oneLevel:
                        if level.capture >= 0 { captures.append(levelStart..<levelEnd) }
                    case .rest:
                        if level.capture >= 0 { captures.append(levelStart..<count) }
                        return true
                    }
                    if levelEnd == count { exhausted = true } else { levelStart = levelEnd + 1 }
                }
                return exhausted
            }
        }
    }

    /// Matches `topic` (UTF-8 bytes) and returns the captures as ranges into it, or nil. Allocates nothing.
    public func match(_ topic: UnsafeRawBufferPointer) -> TopicCaptures? {
        var captures = TopicCaptures()
        return match(topic, captures: &captures) ? captures : nil
    }

    /// Matches `topic` and returns the captured values, or nil. Allocates; for tests and tools.
    public func match(_ topic: String) -> [String]? {
        var topic = topic
        return topic.withUTF8 { utf8 -> [String]? in
            let bytes = UnsafeRawBufferPointer(utf8)
            var captures = TopicCaptures()
            guard match(bytes, captures: &captures) else { return nil }
            return captures.strings(in: bytes)
        }
    }

    /// True when every topic `other` matches is also matched by this filter, so subscribing to both is redundant.
    public func covers(_ other: TopicFilter) -> Bool {
        // The `$` rule: a filter starting with a wildcard does not reach `$...` topics that `other` names literally.
        if startsWithWildcard, other.startsWithDollar { return false }
        for (index, level) in levels.enumerated() {
            if level.kind == .rest { return true }
            guard index < other.levels.count else { return false }
            let theirs = other.levels[index]
            switch (level.kind, theirs.kind) {
            case (.oneLevel, .rest): return false
            case (.oneLevel, _): continue
            case (.literal, .literal) where literal(level) == other.literal(theirs): continue
            default: return false
            }
        }
        return levels.count == other.levels.count
    }

    /// Whether some topic matches both filters. Subscribed together, two overlapping filters make the broker
    /// deliver such a topic's messages once per filter, unless one covers the other and only it is subscribed.
    public func overlaps(_ other: TopicFilter) -> Bool {
        if startsWithWildcard && other.startsWithDollar || other.startsWithWildcard && startsWithDollar { return false }
        var index = 0
        while true {
            let mine = index < levels.count ? levels[index] : nil
            let theirs = index < other.levels.count ? other.levels[index] : nil
            switch (mine?.kind, theirs?.kind) {
            case (.rest?, _), (_, .rest?), (nil, nil):
                return true  // `a/#` also matches `a` itself
            case (nil, _), (_, nil):
                return false
            case (.oneLevel?, _), (_, .oneLevel?):
                index += 1
            default:
                guard literal(mine!) == other.literal(theirs!) else { return false }
                index += 1
            }
        }
    }

    private var startsWithDollar: Bool {
        levels[0].kind == .literal && literal(levels[0]).first == UInt8(ascii: "$")
    }

    public static func == (lhs: TopicFilter, rhs: TopicFilter) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
