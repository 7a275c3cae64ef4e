/// Where a record starts in the spool: its segment's number and the byte offset in that segment's file.
/// Positions order records in append order.
public struct SpoolPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let segment: UInt64
    public let offset: UInt64

    public init(segment: UInt64, offset: UInt64) {
        self.segment = segment
        self.offset = offset
    }

    /// Before every record.
    public static let start = SpoolPosition(segment: 0, offset: 0)

    public static func < (lhs: SpoolPosition, rhs: SpoolPosition) -> Bool {
        (lhs.segment, lhs.offset) < (rhs.segment, rhs.offset)
    }

    public var description: String { "segment \(segment) offset \(offset)" }
}
