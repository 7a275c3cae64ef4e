// fuzz-sources: Sources/CrateFeed/Routing/TopicFilter.swift Sources/CrateFeed/Routing/TopicFilterError.swift Sources/CrateFeed/Routing/TopicCaptures.swift
//
// Topic filters and matching. The input is split at newlines into filter A, filter B and a topic. Matching
// must agree with a plain reference implementation of MQTT's rules, captures must be whole levels inside
// the topic, and when A covers B every topic B matches must match A.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTopicMatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let parts = UnsafeRawBufferPointer(start: data, count: size).split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3 else { return 0 }
    let filterA = String(decoding: parts[0], as: UTF8.self)
    let filterB = String(decoding: parts[1], as: UTF8.self)
    let topic = Array(parts[2])

    let a = try? TopicFilter(filterA)
    let b = try? TopicFilter(filterB)
    topic.withUnsafeBytes { bytes in
        var captures = TopicCaptures()
        for filter in [a, b].compactMap({ $0 }) {
            let matched = filter.match(bytes, captures: &captures)
            require(matched == referenceMatch(filter.mqttFilter, topic), "match disagrees with the reference")
            guard matched else { continue }
            require(captures.count == filter.captureNames.count, "one capture per name")
            for index in 0..<captures.count {
                let range = captures[index]
                require(range.lowerBound >= 0 && range.upperBound <= bytes.count && range.lowerBound <= range.upperBound)
                if range.isEmpty, range.lowerBound == bytes.count { continue }  // `a/#x` matching `a`: "" past the end
                require(range.lowerBound == 0 || bytes[range.lowerBound - 1] == UInt8(ascii: "/"), "a capture starts mid-level")
                require(range.upperBound == bytes.count || bytes[range.upperBound] == UInt8(ascii: "/"), "a capture ends mid-level")
            }
        }
        if let a, let b, a.covers(b), b.match(bytes, captures: &captures) {
            require(a.match(bytes, captures: &captures), "A covers B, but a topic B matches does not match A")
        }
    }
    return 0
}

/// MQTT's matching rules written as plainly as possible, on levels split at '/'.
private func referenceMatch(_ filter: String, _ topic: [UInt8]) -> Bool {
    let filterLevels = Array(filter.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    let topicLevels = topic.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(Array.init)
    if topic.first == UInt8(ascii: "$"), let first = filterLevels.first, first == [UInt8(ascii: "+")] || first == [UInt8(ascii: "#")] {
        return false
    }
    for (index, level) in filterLevels.enumerated() {
        if level == [UInt8(ascii: "#")] { return true }
        guard index < topicLevels.count else { return false }
        if level != [UInt8(ascii: "+")], level != topicLevels[index] { return false }
    }
    return filterLevels.count == topicLevels.count
}

/// `precondition` that keeps its message in optimized builds, so a failure says which property broke.
private func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "a property does not hold",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
