#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The write-ahead spool: every MQTT message is appended here inside the broker callback, read back in order by
/// the pipeline, and released once CrateDB confirmed it. The only buffer between the broker and CrateDB, on disk,
/// so memory stays flat whatever the backlog. Format: SpoolRecordFormat.
///
/// Thread safety: appends (the MQTT thread), readers, releases and the getters (pipeline and timer threads) may
/// run concurrently. One lock guards the segment being appended to and the ledger; an append holds it for one
/// pwritev(2), or one pwrite(2) per segment for a buffer of records (and an fdatasync when the policy says so).
/// Releases write the checkpoint and delete files outside it.
public final class Spool: @unchecked Sendable {  // all mutable state is in `state`
    public let configuration: SpoolConfiguration

    private struct State {
        var ledger: SpoolLedger
        /// The segment being appended to; nil once closed.
        var active: SpoolFile?
        /// Monotonic time of the oldest append not yet synced (`.interval` policy).
        var unsyncedSince: UInt64?
        var badRecords: [BadRecord]
        var reportedDamage: Set<SpoolPosition>
        /// fdatasync calls on segments: the tests' window on the fsync policy.
        var syncCount = 0
    }

    private let state: Mutex<State>
    /// `state.ledger.isFull`, mirrored after each change so the MQTT thread asks without taking the lock.
    private let full = Atomic<Bool>(false)
    /// Serialises releases: checkpoint writes and deletions happen in release order, outside `state`'s lock.
    private let releaseLock = Mutex(())
    private let directoryLock: SpoolDirectoryLock
    /// Monotonic nanoseconds; replaceable so the tests drive the `.interval` policy without sleeping.
    private let clock: @Sendable () -> UInt64

    public convenience init(configuration: SpoolConfiguration) throws {
        try self.init(configuration: configuration, clock: Spool.monotonicNanoseconds)
    }

    init(configuration: SpoolConfiguration, clock: @escaping @Sendable () -> UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        self.clock = clock
        let directory = configuration.directory
        try SpoolFile.makeDirectory(directory, mode: 0o700)
        directoryLock = try SpoolDirectoryLock(directory: directory)
        let syncs = configuration.fsync != .never
        let recovery = try SpoolRecovery(directory: directory, syncs: syncs)
        var ledger = SpoolLedger(segments: recovery.segments, released: recovery.released,
                                 maxSize: configuration.maxSize, resumeSize: configuration.resumeSize)
        let active = try Self.createSegment(directory: directory, id: recovery.nextSegmentID, syncs: syncs)
        ledger.openSegment(id: recovery.nextSegmentID)
        state = Mutex(State(ledger: ledger, active: active, badRecords: recovery.badRecords,
                            reportedDamage: recovery.reportedDamage))
        full.store(ledger.isFull, ordering: .relaxed)
    }

    deinit {
        try? close()
    }

    // MARK: Appending

    /// Appends one message with a single pwritev(2); when this returns the kernel has it, so a killed process
    /// keeps it. Returns where the record starts. No heap allocation.
    @discardableResult
    public func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
                       qos: UInt8) throws -> SpoolPosition {
        guard let length = SpoolRecordFormat.recordLength(topicLength: topic.count, payloadLength: payload.count) else {
            throw SpoolError.recordTooLarge(topic: String(decoding: topic.prefix(200), as: UTF8.self),
                                            topicBytes: topic.count, payloadBytes: payload.count)
        }
        guard qos <= 2 else { throw SpoolError.invalidQoS(topic: String(decoding: topic.prefix(200), as: UTF8.self), qos: qos) }
        return try withUnsafeTemporaryAllocation(byteCount: SpoolRecordFormat.prefixSize, alignment: 8) { prefix in
            // The checksum is computed before taking the lock.
            SpoolRecordFormat.encodePrefix(into: prefix, receivedAt: receivedAt, qos: qos, topic: topic, payload: payload)
            return try state.withLock { state -> SpoolPosition in
                guard state.active != nil else { throw SpoolError.closed(directory: configuration.directory) }
                let current = state.ledger.active
                if current.size + Int64(length) > Int64(configuration.segmentSize) && current.records > 0 {
                    try rotate(&state)
                }
                guard let file = state.active else { throw SpoolError.closed(directory: configuration.directory) }
                let position = state.ledger.end
                try file.writeRecord(UnsafeRawBufferPointer(prefix), topic, payload, at: Int64(position.offset))
                state.ledger.recordAppended(length: length)
                full.store(state.ledger.isFull, ordering: .relaxed)
                try syncAfterAppend(&state)
                return position
            }
        }
    }

    /// Appends the buffer's records in order, each segment's share with one pwrite(2), and empties the buffer.
    /// When this returns the kernel has them all; when it throws, the records before the failure are kept and
    /// the rest are not (the caller must not acknowledge those). No heap allocation.
    public func append(_ buffer: inout SpoolAppendBuffer) throws {
        defer { buffer.removeAll() }
        guard !buffer.isEmpty else { return }
        let lengths = buffer.lengths
        try buffer.bytes.withUnsafeBytes { bytes in
            try state.withLock { state in
                var first = 0  // the first record not written yet
                var offset = 0  // where it starts in `bytes`
                while first < lengths.count {
                    guard let file = state.active else { throw SpoolError.closed(directory: configuration.directory) }
                    // The records that fit in this segment; a fresh segment takes at least one, as in the single append.
                    let room = Int64(configuration.segmentSize) - state.ledger.active.size
                    var end = first
                    var size = 0
                    while end < lengths.count,
                          Int64(size + lengths[end]) <= room || (end == first && state.ledger.active.records == 0) {
                        size += lengths[end]
                        end += 1
                    }
                    if end == first {
                        try rotate(&state)
                        continue
                    }
                    let position = state.ledger.end
                    try file.writeRecords(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size]),
                                          at: Int64(position.offset))
                    for index in first..<end { state.ledger.recordAppended(length: lengths[index]) }
                    first = end
                    offset += size
                }
                full.store(state.ledger.isFull, ordering: .relaxed)
                try syncAfterAppend(&state)
            }
        }
    }

    /// Syncs the segment being appended to when the `.interval` policy's time is up. Call it from a timer so a
    /// stream that went quiet is synced too.
    public func syncIfDue() throws {
        try state.withLock { state in
            guard case .interval(let seconds) = configuration.fsync, let since = state.unsyncedSince,
                  clock() &- since >= Self.nanoseconds(seconds) else { return }
            try sync(&state)
        }
    }

    private func syncAfterAppend(_ state: inout State) throws {
        switch configuration.fsync {
        case .always:
            try sync(&state)
        case .interval(let seconds):
            let now = clock()
            if let since = state.unsyncedSince {
                if now &- since >= Self.nanoseconds(seconds) { try sync(&state) }
            } else {
                state.unsyncedSince = now
            }
        case .never:
            break
        }
    }

    private func sync(_ state: inout State) throws {
        guard let active = state.active else { return }
        try active.sync()
        state.syncCount += 1
        state.unsyncedSince = nil
    }

    /// Starts the next segment. The new file is created before the old one is sealed, so a failure (a full disk)
    /// leaves appends going to the old one.
    private func rotate(_ state: inout State) throws {
        let sealedID = state.ledger.active.id
        let next = try Self.createSegment(directory: configuration.directory, id: sealedID + 1,
                                          syncs: configuration.fsync != .never)
        let old = state.active!
        state.active = next
        state.ledger.sealActive()
        state.ledger.openSegment(id: sealedID + 1)
        state.unsyncedSince = nil
        defer { old.close() }
        try SpoolRecovery.writeRecordCount(UInt64(state.ledger.segments[state.ledger.segments.count - 2].records), to: old)
        if configuration.fsync != .never {
            try old.sync()
            state.syncCount += 1
        }
    }

    /// A new segment file with its header, durable (file and directory entry) unless the policy is `.never`.
    private static func createSegment(directory: String, id: UInt64, syncs: Bool) throws -> SpoolFile {
        let path = SpoolRecovery.path(directory, id)
        let file = try SpoolFile.open(path, flags: O_WRONLY | O_CREAT | O_EXCL)
        do {
            try withUnsafeTemporaryAllocation(byteCount: SpoolRecordFormat.segmentHeaderSize, alignment: 8) { header in
                SpoolRecordFormat.encodeSegmentHeader(into: header, recordCount: SpoolRecordFormat.unsealedRecordCount)
                try file.write(UnsafeRawBufferPointer(header), at: 0)
            }
            if syncs {
                try file.sync()
                try SpoolFile.syncDirectory(directory)
            }
        } catch {
            try? SpoolFile.remove(path)  // so the next rotation can create it again
            throw error
        }
        return file
    }

    // MARK: Reading and releasing

    /// A reader from `position`, or from the oldest unreleased record. A position before the release point starts
    /// at the release point: released records are not read again.
    public func makeReader(from position: SpoolPosition? = nil) -> SpoolReader {
        let released = state.withLock { $0.ledger.released }
        return SpoolReader(spool: self, start: max(position ?? released, released))
    }

    /// Every record before `position` is confirmed: persists the position in `DIR/checkpoint` and deletes the
    /// segment files wholly before it. A position not later than the last release is a no-op.
    public func release(upTo position: SpoolPosition) throws {
        try releaseLock.withLock { _ in
            let (target, released) = try state.withLock { state in
                guard state.active != nil else { throw SpoolError.closed(directory: configuration.directory) }
                return (state.ledger.clamped(position), state.ledger.released)
            }
            guard target > released else { return }
            try SpoolCheckpoint.write(target, directory: configuration.directory, sync: configuration.fsync != .never)
            let deleted = state.withLock { state in
                state.reportedDamage = state.reportedDamage.filter { $0 >= target }
                defer { full.store(state.ledger.isFull, ordering: .relaxed) }
                return state.ledger.release(upTo: target)
            }
            for id in deleted {
                try SpoolFile.remove(SpoolRecovery.path(configuration.directory, id))
            }
        }
    }

    /// The segment a reader at segment `id` reads next: that one or the first after it, with how far its records
    /// go. Nil when there is none (the reader is caught up).
    func readableSegment(atOrAfter id: UInt64) throws -> (id: UInt64, limit: Int64, sealed: Bool)? {
        try state.withLock { state in
            guard state.active != nil else { throw SpoolError.closed(directory: configuration.directory) }
            guard let segment = state.ledger.segments.first(where: { $0.id >= id }) else { return nil }
            return (segment.id, segment.size, segment.sealed)
        }
    }

    /// Records damage a reader skipped, once per region.
    func report(_ damage: SpoolSegmentDamage, segment id: UInt64) {
        let start = SpoolPosition(segment: id, offset: UInt64(damage.offset))
        state.withLock { state in
            guard state.reportedDamage.insert(start).inserted else { return }
            state.badRecords.append(BadRecord(segment: SpoolRecordFormat.segmentFileName(id), offset: start.offset,
                                              length: damage.length, reason: damage.reason, bytes: damage.bytes))
        }
    }

    func segmentPath(_ id: UInt64) -> String {
        SpoolRecovery.path(configuration.directory, id)
    }

    // MARK: State

    /// True when the unreleased bytes went above `maxSize`; false again once they drop below `resumeSize`. The
    /// daemon stops reading from the broker while it is true. Appends still succeed: nothing is dropped.
    public var isFull: Bool { full.load(ordering: .relaxed) }

    /// The segment files' bytes.
    public var sizeOnDisk: Int64 { state.withLock { $0.ledger.sizeOnDisk } }

    /// Records and bytes appended and not released. Bytes are exact; records are estimated for segments a crash
    /// left unsealed and prorated within the partly released one.
    public var backlog: (records: Int, bytes: Int64) {
        state.withLock { ($0.ledger.unreleasedRecords, $0.ledger.unreleasedBytes) }
    }

    /// Damaged regions found and not yet taken.
    public var badRecords: [BadRecord] { state.withLock { $0.badRecords } }

    /// The damaged regions found since the last call; the daemon logs and dead-letters each.
    public func takeBadRecords() -> [BadRecord] {
        state.withLock { state in
            defer { state.badRecords = [] }
            return state.badRecords
        }
    }

    /// fdatasync calls so far (for tests).
    var syncCount: Int { state.withLock { $0.syncCount } }

    /// Seals and syncs the segment being appended to, closes it and releases the directory. Idempotent.
    public func close() throws {
        // After any release in progress: its checkpoint is written while the directory is still ours.
        try releaseLock.withLock { _ in
            try state.withLock { state in
                guard let active = state.active else { return }
                state.active = nil
                state.ledger.sealActive()
                defer {
                    active.close()
                    directoryLock.unlock()
                }
                try SpoolRecovery.writeRecordCount(UInt64(state.ledger.active.records), to: active)
                try active.sync()
                state.syncCount += 1
            }
        }
    }

    // MARK: Time

    private static func nanoseconds(_ seconds: Double) -> UInt64 {
        UInt64(seconds * 1_000_000_000)
    }

    @Sendable private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
