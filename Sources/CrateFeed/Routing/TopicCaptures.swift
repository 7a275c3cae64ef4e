/// The topic levels a filter's named wildcards captured, as byte ranges into the matched topic, in the order
/// of `TopicFilter.captureNames`.
///
/// Stored inline (no heap) so that matching a message allocates nothing; a filter has at most `capacity`
/// named wildcards.
public struct TopicCaptures: Sendable, Equatable {
    public static let capacity = 16

    public private(set) var count = 0
    // start << 32 | end for each capture; a topic is at most 65,535 bytes (MQTT), so both fit in 32 bits.
    private var bounds: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    public init() {}

    public subscript(index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "capture index out of range")
        let packed = withUnsafeBytes(of: bounds) { $0.load(fromByteOffset: index * 8, as: UInt64.self) }
        return Int(packed >> 32)..<Int(packed & 0xFFFF_FFFF)
    }

    mutating func append(_ range: Range<Int>) {
        precondition(count < Self.capacity, "more captures than TopicCaptures.capacity")
        let packed = UInt64(range.lowerBound) << 32 | UInt64(range.upperBound)
        let index = count
        withUnsafeMutableBytes(of: &bounds) { $0.storeBytes(of: packed, toByteOffset: index * 8, as: UInt64.self) }
        count += 1
    }

    mutating func removeAll() {
        count = 0
    }

    /// The captured values as strings (allocates; for building rows and for tests, not for matching).
    public func strings(in topic: UnsafeRawBufferPointer) -> [String] {
        (0..<count).map { String(decoding: UnsafeRawBufferPointer(rebasing: topic[self[$0]]), as: UTF8.self) }
    }

    public static func == (lhs: TopicCaptures, rhs: TopicCaptures) -> Bool {
        lhs.count == rhs.count && (0..<lhs.count).allSatisfy { lhs[$0] == rhs[$0] }
    }
}
