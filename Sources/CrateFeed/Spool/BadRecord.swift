/// A damaged region of a spool segment, set aside instead of replayed: a torn record after a crash or power
/// loss, or bytes that fail their checksum. The daemon logs each and stores it as a dead-letter row.
public struct BadRecord: Sendable, Equatable, CustomStringConvertible {
    /// The segment's file name, e.g. `segment-00000000000000000007.spool` ("checkpoint" for a damaged checkpoint).
    public let segment: String
    public let offset: UInt64
    /// The length of the whole damaged region.
    public let length: Int
    /// One line: "checksum mismatch", "torn record at end of segment", ...
    public let reason: String
    /// The first ≤ 4 KiB of the damaged region.
    public let bytes: [UInt8]

    public init(segment: String, offset: UInt64, length: Int, reason: String, bytes: [UInt8]) {
        self.segment = segment
        self.offset = offset
        self.length = length
        self.reason = reason
        self.bytes = bytes
    }

    /// Where the damaged region starts; segment 0 (before everything) for the checkpoint. Release no further than
    /// this until its dead letter is stored.
    public var position: SpoolPosition {
        SpoolPosition(segment: SpoolRecordFormat.segmentID(fileName: segment) ?? 0, offset: offset)
    }

    public var description: String {
        "bad spool record in \(segment) at offset \(offset) (\(length) bytes): \(reason)"
    }
}
