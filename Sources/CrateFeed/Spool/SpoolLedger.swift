/// The spool's bookkeeping: its segments, how far records are released, the bytes on disk and in the backlog,
/// and the backpressure flag. No files; the spool keeps it under its lock.
struct SpoolLedger {
    struct Segment: Equatable {
        let id: UInt64
        /// The file's size, header included.
        var size: Int64
        /// Exact for segments written or scanned by this process and sealed ones; estimated otherwise.
        var records: Int
        /// No longer appended to: the segment may be deleted once released.
        var sealed: Bool
    }

    /// Ascending ids. Once the spool is open the last one is the segment being appended to.
    private(set) var segments: [Segment]
    /// Every record before this position is released.
    private(set) var released: SpoolPosition
    private(set) var isFull = false
    private(set) var sizeOnDisk: Int64 = 0
    /// Record bytes (headers included, segment headers not) appended and not released.
    private(set) var unreleasedBytes: Int64 = 0

    private let maxSize: Int64
    private let resumeSize: Int64

    init(segments: [Segment], released: SpoolPosition, maxSize: Int64, resumeSize: Int64) {
        self.segments = segments
        self.released = released
        self.maxSize = maxSize
        self.resumeSize = resumeSize
        recount()
    }

    var active: Segment { segments[segments.count - 1] }

    /// Where the next record will be written.
    var end: SpoolPosition { SpoolPosition(segment: active.id, offset: UInt64(active.size)) }

    /// Records appended and not released. Records of the partly released segment are prorated by bytes.
    var unreleasedRecords: Int {
        var total = 0
        for segment in segments {
            let bytes = segment.size - Int64(SpoolRecordFormat.segmentHeaderSize)
            guard bytes > 0 else { continue }
            let unreleased = bytes - releasedBytes(of: segment)
            total += unreleased == bytes ? segment.records : Int(Int64(segment.records) * unreleased / bytes)
        }
        return total
    }

    mutating func openSegment(id: UInt64) {
        precondition(segments.last.map { $0.id < id } ?? true)
        segments.append(Segment(id: id, size: Int64(SpoolRecordFormat.segmentHeaderSize), records: 0, sealed: false))
        sizeOnDisk += Int64(SpoolRecordFormat.segmentHeaderSize)
    }

    mutating func sealActive() {
        segments[segments.count - 1].sealed = true
    }

    mutating func recordAppended(length: Int) {
        segments[segments.count - 1].size += Int64(length)
        segments[segments.count - 1].records += 1
        sizeOnDisk += Int64(length)
        unreleasedBytes += Int64(length)
        updateFull()
    }

    /// `position`, but no later than the end: a release cannot cover records not yet written.
    func clamped(_ position: SpoolPosition) -> SpoolPosition {
        min(position, end)
    }

    /// Moves the release point to `position` (a no-op unless later) and returns the ids of the sealed segments
    /// now wholly released, which the caller deletes; they are gone from the ledger.
    mutating func release(upTo position: SpoolPosition) -> [UInt64] {
        let position = clamped(position)
        guard position > released else { return [] }
        released = position
        var deleted: [UInt64] = []
        segments.removeAll { segment in
            let whollyReleased = segment.id < position.segment
                || (segment.id == position.segment && Int64(clamping: position.offset) >= segment.size)
            guard segment.sealed && whollyReleased else { return false }
            deleted.append(segment.id)
            return true
        }
        recount()
        return deleted
    }

    /// Record bytes of `segment` before the release point.
    private func releasedBytes(of segment: Segment) -> Int64 {
        let header = Int64(SpoolRecordFormat.segmentHeaderSize)
        if segment.id < released.segment { return max(0, segment.size - header) }
        guard segment.id == released.segment else { return 0 }
        return min(max(Int64(clamping: released.offset), header), max(segment.size, header)) - header
    }

    private mutating func recount() {
        sizeOnDisk = segments.reduce(0) { $0 + $1.size }
        unreleasedBytes = segments.reduce(0) { $0 + max(0, $1.size - Int64(SpoolRecordFormat.segmentHeaderSize)) - releasedBytes(of: $1) }
        updateFull()
    }

    /// Full above `maxSize` unreleased bytes, and again not full only below `resumeSize`. Unreleased bytes rather
    /// than the files' sizes: a released segment still being appended to cannot be deleted, and counting it could
    /// keep the spool full with nothing left to send. Disk use exceeds the backlog by at most that segment and the
    /// partly released one.
    private mutating func updateFull() {
        if unreleasedBytes > maxSize {
            isFull = true
        } else if unreleasedBytes < resumeSize {
            isFull = false
        }
    }
}
