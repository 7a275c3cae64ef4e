#if canImport(Glibc)
import Glibc
#endif

/// What opening a spool directory finds and repairs before anything is appended or read: the checkpoint, the
/// segments earlier runs left, and a torn tail in the newest of them (a crash or power loss mid-write).
///
/// Only the newest segment is read through here, and only when it was not sealed (the last run did not close
/// it): older segments were complete when sealed, and reading a large backlog twice would slow every start.
/// Damage in them is found, and reported, by the reader.
struct SpoolRecovery {
    private(set) var segments: [SpoolLedger.Segment] = []
    private(set) var released = SpoolPosition.start
    private(set) var badRecords: [BadRecord] = []
    /// Where reported damage starts, so the reader does not report it again.
    private(set) var reportedDamage: Set<SpoolPosition> = []
    /// The id for the segment this run appends to: later than every segment and the checkpoint.
    private(set) var nextSegmentID: UInt64 = 1

    /// Bytes per record assumed for segments whose count is unknown (left unsealed by a crash) when no other
    /// segment gives an average.
    private static let assumedRecordBytes = 128

    init(directory: String, syncs: Bool) throws {
        try SpoolFile.remove(directory + "/" + SpoolCheckpoint.temporaryFileName)  // a release cut short
        switch try SpoolCheckpoint.read(directory: directory) {
        case .missing:
            break
        case .position(let position):
            released = position
        case .damaged(let bytes):
            badRecords.append(BadRecord(segment: SpoolCheckpoint.fileName, offset: 0, length: bytes.count,
                                        reason: "damaged checkpoint; every segment is replayed",
                                        bytes: Array(bytes.prefix(SpoolSegmentCursor.damageBytesKept))))
        }

        let ids = try SpoolFile.listDirectory(directory).compactMap(SpoolRecordFormat.segmentID(fileName:)).sorted()
        nextSegmentID = max(ids.last ?? 0, released.segment) + 1

        var found: [(id: UInt64, size: Int64, header: SpoolRecordFormat.SegmentHeader?)] = []
        for id in ids {
            let path = Self.path(directory, id)
            guard let size = try SpoolFile.size(of: path) else { continue }
            let whollyReleased = id < released.segment || (id == released.segment && Int64(clamping: released.offset) >= size)
            if whollyReleased || size == Int64(SpoolRecordFormat.segmentHeaderSize) {
                try SpoolFile.remove(path)  // nothing left to replay
                continue
            }
            let header = try readHeader(path: path, id: id)
            if size < Int64(SpoolRecordFormat.segmentHeaderSize) {
                try SpoolFile.remove(path)  // a header torn at creation: no records
                continue
            }
            found.append((id, size, header))
        }

        for (index, segment) in found.enumerated() {
            var entry = SpoolLedger.Segment(id: segment.id, size: segment.size, records: -1, sealed: true)
            if let count = segment.header?.recordCount, count != SpoolRecordFormat.unsealedRecordCount {
                entry.records = Int(clamping: count)
            } else if index == found.count - 1 {
                entry = try repairNewest(directory: directory, entry, headerIsValid: segment.header != nil, syncs: syncs)
                if entry.size == Int64(SpoolRecordFormat.segmentHeaderSize) {
                    try SpoolFile.remove(Self.path(directory, entry.id))
                    continue
                }
            }
            segments.append(entry)
        }
        estimateUnknownCounts()
    }

    static func path(_ directory: String, _ id: UInt64) -> String {
        directory + "/" + SpoolRecordFormat.segmentFileName(id)
    }

    /// The segment's header; nil (reported as damage) when it is torn or not a segment header. A header from a
    /// newer format version stops the open rather than losing that data.
    private mutating func readHeader(path: String, id: UInt64) throws -> SpoolRecordFormat.SegmentHeader? {
        let file = try SpoolFile.open(path, flags: O_RDONLY)
        var bytes = [UInt8](repeating: 0, count: SpoolRecordFormat.segmentHeaderSize)
        let count = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        let header = bytes.withUnsafeBytes { SpoolRecordFormat.parseSegmentHeader(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        if let header, header.version != SpoolRecordFormat.version {
            throw SpoolError.unsupportedVersion(path: path, version: header.version)
        }
        if header == nil && count > 0 {
            let reason = count < SpoolRecordFormat.segmentHeaderSize ? "torn segment header" : "bad segment header"
            report(SpoolSegmentDamage(offset: 0, length: count, reason: reason, bytes: Array(bytes.prefix(count)), isTail: false),
                   segment: id)
        }
        return header
    }

    /// Reads the newest segment, which the last run did not seal: counts its records, reports damage, and cuts
    /// off a torn tail so the file ends after its last whole record. Then seals it with its record count.
    private mutating func repairNewest(directory: String, _ segment: SpoolLedger.Segment, headerIsValid: Bool,
                                       syncs: Bool) throws -> SpoolLedger.Segment {
        var segment = segment
        let file = try SpoolFile.open(Self.path(directory, segment.id), flags: O_RDWR)
        let cursor = SpoolSegmentCursor(source: file, offset: Int64(SpoolRecordFormat.segmentHeaderSize))
        var records = 0
        scan: while true {
            switch try cursor.next(limit: segment.size, damageAtEndIsTorn: true) {
            case .record:
                records += 1
            case .damage(let damage):
                report(damage, segment: segment.id)
                if damage.isTail {
                    try file.truncate(to: damage.offset)
                    segment.size = damage.offset
                    break scan
                }
            case .end:
                break scan
            }
        }
        segment.records = records
        if headerIsValid {
            try Self.writeRecordCount(UInt64(records), to: file)
        }
        if syncs { try file.sync() }
        return segment
    }

    /// Seals a segment: its header records how many records it holds, so later starts need not count them.
    static func writeRecordCount(_ count: UInt64, to file: SpoolFile) throws {
        try withUnsafeBytes(of: count.littleEndian) { try file.write($0, at: 8) }
    }

    private mutating func report(_ damage: SpoolSegmentDamage, segment id: UInt64) {
        // Damage wholly before the checkpoint was reported by the run that released it.
        guard SpoolPosition(segment: id, offset: UInt64(damage.offset) + UInt64(damage.length)) > released else { return }
        reportedDamage.insert(SpoolPosition(segment: id, offset: UInt64(damage.offset)))
        badRecords.append(BadRecord(segment: SpoolRecordFormat.segmentFileName(id), offset: UInt64(damage.offset),
                                    length: damage.length, reason: damage.reason, bytes: damage.bytes))
    }

    /// Segments left unsealed by a crash, other than the newest, get a record count from the average size.
    private mutating func estimateUnknownCounts() {
        let known = segments.filter { $0.records >= 0 }
        let knownRecords = known.reduce(0) { $0 + $1.records }
        let knownBytes = known.reduce(Int64(0)) { $0 + $1.size - Int64(SpoolRecordFormat.segmentHeaderSize) }
        let bytesPerRecord = knownRecords > 0 ? max(1, knownBytes / Int64(knownRecords)) : Int64(Self.assumedRecordBytes)
        for index in segments.indices where segments[index].records < 0 {
            segments[index].records = Int((segments[index].size - Int64(SpoolRecordFormat.segmentHeaderSize)) / bytesPerRecord)
        }
    }
}
