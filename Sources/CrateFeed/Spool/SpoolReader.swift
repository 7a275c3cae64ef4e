#if canImport(Glibc)
import Glibc
#endif

/// Reads the spool's records in append order, one segment at a time through a fixed buffer, and follows appends
/// live: `next()` returns nil when it has caught up, and later calls return what was appended since. Damaged
/// regions are skipped and reported to the spool's `badRecords`. Use from one thread at a time.
public final class SpoolReader {
    private let spool: Spool
    /// The segment being read, with how far its records went when last asked (it grows while appended to).
    private var current: (cursor: SpoolSegmentCursor, id: UInt64, limit: Int64, sealed: Bool)?

    /// Where the next record will be read from: every record returned so far, and every damaged region skipped,
    /// lies before it. Once everything returned is confirmed, `release(upTo: reader.position)` releases it all.
    public private(set) var position: SpoolPosition

    init(spool: Spool, start: SpoolPosition) {
        self.spool = spool
        self.position = start
    }

    /// The next record, or nil when the reader has caught up with the appends. The record's buffers are valid
    /// until the next call.
    public func next() throws -> SpoolRecord? {
        while true {
            if current == nil, try !openNextSegment() { return nil }
            guard let segment = current else { return nil }
            switch try segment.cursor.next(limit: segment.limit) {
            case .record(let record, let offset):
                position = SpoolPosition(segment: segment.id, offset: UInt64(segment.cursor.offset))
                return SpoolRecord(position: SpoolPosition(segment: segment.id, offset: UInt64(offset)),
                                   receivedAt: record.receivedAt, qos: record.qos, topic: record.topic,
                                   payload: record.payload)
            case .damage(let damage):
                spool.report(damage, segment: segment.id)
                position = SpoolPosition(segment: segment.id, offset: UInt64(segment.cursor.offset))
            case .end where segment.sealed:
                moveOn(from: segment.id)
            case .end:
                // Still appended to: ask how far it goes now, and whether it was sealed meanwhile.
                guard let latest = try spool.readableSegment(atOrAfter: segment.id) else { return nil }
                guard latest.id == segment.id else {
                    moveOn(from: segment.id)  // released and deleted under us
                    continue
                }
                if latest.limit == segment.limit && !latest.sealed { return nil }
                current = (segment.cursor, latest.id, latest.limit, latest.sealed)
            }
        }
    }

    /// Done with segment `id`: (id + 1, 0) is before every record of the segments after it.
    private func moveOn(from id: UInt64) {
        position = SpoolPosition(segment: id + 1, offset: 0)
        current = nil
    }

    /// Opens the first segment at or after `position`; false when there is none yet.
    private func openNextSegment() throws -> Bool {
        while true {
            guard let next = try spool.readableSegment(atOrAfter: position.segment) else { return false }
            let header = Int64(SpoolRecordFormat.segmentHeaderSize)
            let start = next.id == position.segment ? max(Int64(clamping: position.offset), header) : header
            let file: SpoolFile
            do {
                file = try SpoolFile.open(spool.segmentPath(next.id), flags: O_RDONLY)
            } catch SpoolError.system(_, _, let code) where code == ENOENT {
                moveOn(from: next.id)  // released meanwhile
                continue
            }
            current = (SpoolSegmentCursor(source: file, offset: start), next.id, next.limit, next.sealed)
            position = SpoolPosition(segment: next.id, offset: UInt64(start))
            return true
        }
    }
}
