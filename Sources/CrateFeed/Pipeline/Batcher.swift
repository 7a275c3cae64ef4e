import CrateDB
import Foundation
import Logging
import Synchronization

/// Reads the spool in order, routes and decodes each message, and writes its rows straight into the bulk
/// request of the right batch; hands full or due batches to the lanes.
///
/// Runs on its own thread. It is the only reader of the spool, so a message is decoded exactly when its
/// batch is built, whether it arrived a millisecond ago or before a restart.
final class Batcher: @unchecked Sendable {
    struct Settings {
        var maxRows: Int
        var maxBytes: Int
        var maxDelay: Double
        var maxMessageSize: Int
    }

    private let spool: Spool
    private let routes: [Route]
    private let routeTable: RouteTable
    private let statements: [BatchWriter.Statement]
    private let deadLetterSlot: Int
    private let lanes: [Lane]
    private let tracker: ReleaseTracker
    private let stats: PipelineStats
    private let settings: Settings
    private let logger: Logger

    /// Open batches by lane and statement slot.
    private var open: [[Batch?]]
    private var readingID = ReadingID()
    private var captures = TopicCaptures()

    private let wakeup = NSCondition()
    private var hasNews = false
    private var stopRequested = false
    /// Set by `stop`: the loop reads on until the spool is empty or `stopDeadline` passes, and hands batches to
    /// the lanes only until then; what it has not read or handed over stays in the spool for the next start.
    private let stopping = Atomic<Bool>(false)
    private var stopDeadline = Double.infinity
    /// True while the batcher sleeps until an append wakes it. While messages keep coming it naps briefly
    /// instead and nobody wakes it: waking it for every message would cost a context switch per message.
    private let sleeping = Atomic<Bool>(false)
    private var lastRead = MonotonicClock.now()
    private static let nap = 0.002
    /// Idle this long, the batcher sleeps until woken rather than napping.
    private static let napWindow = 0.02
    private let heartbeatValue = Locked(MonotonicClock.now())
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(
        spool: Spool, routes: [Route], statements: [BatchWriter.Statement], deadLetterSlot: Int, lanes: [Lane],
        tracker: ReleaseTracker, stats: PipelineStats, settings: Settings, logger: Logger
    ) {
        self.spool = spool
        self.routes = routes
        var table = RouteTable()
        for route in routes { table.append(route.filter, route: route.index) }
        routeTable = table
        self.statements = statements
        self.deadLetterSlot = deadLetterSlot
        self.lanes = lanes
        self.tracker = tracker
        self.stats = stats
        self.settings = settings
        self.logger = logger
        open = Array(repeating: Array(repeating: nil, count: statements.count), count: lanes.count)
    }

    func start() {
        let thread = Thread { [self] in
            ThreadName.set("batcher")
            run()
            finished.signal()
        }
        self.thread = thread
        thread.start()
    }

    /// Called after each spool append: wakes the batcher if it sleeps.
    func notify() {
        guard sleeping.load(ordering: .sequentiallyConsistent) else { return }
        wakeup.lock()
        hasNews = true
        wakeup.signal()
        wakeup.unlock()
    }

    /// Reads what the spool holds and hands it to the lanes, until `deadline` (a `MonotonicClock` time), then
    /// returns once the thread has ended. Messages not read by then, and batches no lane took in time, stay in
    /// the spool for the next start: with a backlog behind a CrateDB outage, this returns by the deadline.
    func stop(deadline: Double = .infinity) {
        wakeup.lock()
        stopDeadline = deadline
        stopRequested = true
        stopping.store(true, ordering: .releasing)
        wakeup.signal()
        wakeup.unlock()
        if thread != nil { finished.wait() }
    }

    var heartbeat: Double { heartbeatValue.withLock { $0 } }

    // MARK: The loop

    private func run() {
        let reader = spool.makeReader()
        while true {
            heartbeatValue.withLock { $0 = MonotonicClock.now() }
            var read = 0
            do {
                while read < 4096, !pastStopDeadline, let record = try reader.next() {
                    handle(record)
                    read += 1
                }
            } catch {
                logger.error("cannot read the spool: \(error)", metadata: ["event": "spool_error", "ratelimit_key": "spool_read"])
            }
            if read > 0 {
                lastRead = MonotonicClock.now()
                sleeping.store(false, ordering: .relaxed)
                stats.update { $0.messagesRead += Int64(read) }
                tracker.readerMoved(to: reader.position)
            }
            handleBadRecords()
            flushDue(force: false)
            if let point = tracker.releasePoint() {
                do { try spool.release(upTo: point) } catch {
                    logger.error("cannot release the spool: \(error)", metadata: ["event": "spool_error"])
                }
            }
            if pastStopDeadline || read == 0 && !waitForNews() { break }
        }
        flushDue(force: true)
    }

    private var pastStopDeadline: Bool {
        stopping.load(ordering: .acquiring) && MonotonicClock.now() >= stopDeadline
    }

    /// Naps, or sleeps until an append or the oldest open batch comes due. False when asked to stop.
    private func waitForNews() -> Bool {
        let asleep = sleeping.load(ordering: .relaxed)
        if !asleep && MonotonicClock.now() - lastRead >= Self.napWindow {
            // Announce the sleep, then read once more before sleeping: an append racing with the announcement
            // is either seen by that read or sees the announcement and wakes us.
            sleeping.store(true, ordering: .sequentiallyConsistent)
            return true
        }
        wakeup.lock()
        defer { wakeup.unlock() }
        if stopRequested { return false }
        if !hasNews {
            let timeout = asleep ? min(settings.maxDelay / 4, 0.05) : Self.nap
            _ = wakeup.wait(until: Date().addingTimeInterval(timeout))  // woken or timed out: either way, read again
        }
        hasNews = false
        return true  // a stop request is honoured once a read finds nothing more
    }

    // MARK: Messages

    private func handle(_ record: SpoolRecord) {
        let lane = laneIndex(record.topic)
        guard let (routeIndex, captures) = routeTable.route(for: record.topic) else {
            deadLetter(record, lane: lane, route: nil, reason: "no route matches the topic")
            return
        }
        self.captures = captures
        let route = routes[routeIndex]
        guard record.payload.count <= settings.maxMessageSize else {
            deadLetter(
                record, lane: lane, route: route,
                reason: "message of \(record.payload.count) bytes is over mqtt.max_message_size (\(settings.maxMessageSize))")
            return
        }
        readingID.beginMessage(topic: record.topic, payload: record.payload)
        let batch = openBatch(lane: lane, slot: route.slot, oldest: record.position)
        let receivedAtMillis = record.receivedAt / 1000
        if route.format == Route.Format.blob {
            writeBlobRow(record, route: route, batch: batch, receivedAtMillis: receivedAtMillis)
        } else {
            decodeRows(record, route: route, batch: batch, lane: lane, receivedAtMillis: receivedAtMillis)
        }
        if batch.rowCount >= settings.maxRows || batch.byteCount >= settings.maxBytes {
            submit(lane: lane, slot: route.slot)
        }
    }

    private func decodeRows(_ record: SpoolRecord, route: Route, batch: Batch, lane: Int, receivedAtMillis: Int64) {
        var rowIndex = 0
        var failure: String?
        do {
            // Times relative to receipt (SenML) count from the spooled receipt time, so a replay gives the same rows.
            try route.decoder!.decode(record.payload, receivedAt: receivedAtMillis) { row in
                batch.beginRow()
                writeCommonColumns(
                    record, route: route, batch: batch, time: row.timestamp ?? receivedAtMillis,
                    receivedAtMillis: receivedAtMillis, rowIndex: rowIndex)
                batch.append(UInt8(ascii: ","))
                writePayloadColumns(row.payload, layout: route.layout, batch: batch)
                batch.endRow(route: route.index, receivedAt: receivedAtMillis, message: record.position)
                for blob in row.blobs {
                    batch.add(PendingBlob(table: route.blobTable ?? "\(route.layout.table)_blobs", digest: blob.digest, bytes: blob.bytes))
                }
                rowIndex += 1
            }
        } catch {
            failure = "\(error)"
        }
        if let failure {
            deadLetter(record, lane: lane, route: route, reason: "cannot decode the \(route.format.rawValue) payload: \(failure)")
        }
    }

    /// The default layout takes the payload object whole (spliced, not re-encoded); a mapped layout takes the
    /// value at each mapped field path, or null where the payload has none.
    private func writePayloadColumns(_ payload: UnsafeRawBufferPointer, layout: TableLayout, batch: Batch) {
        guard case .mapped(let columns) = layout.kind else {
            batch.append(payload)
            return
        }
        let scanner = JSONScanner(payload)
        let root = try? scanner.validate()
        for (position, column) in columns.enumerated() {
            if position > 0 { batch.append(UInt8(ascii: ",")) }
            if let root, let value = scanner.value(at: column.path, in: root) {
                batch.append(UnsafeRawBufferPointer(rebasing: payload[value.range]))
            } else {
                batch.withBody { $0.append(contentsOf: "null".utf8) }
            }
        }
    }

    private func writeBlobRow(_ record: SpoolRecord, route: Route, batch: Batch, receivedAtMillis: Int64) {
        let bytes = Array(record.payload.bindMemory(to: UInt8.self))
        let digest = SHA1.hexDigest(bytes)
        batch.beginRow()
        writeCommonColumns(
            record, route: route, batch: batch, time: receivedAtMillis, receivedAtMillis: receivedAtMillis, rowIndex: 0)
        batch.withBody { out in
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(digest, into: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(bytes.count).utf8)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(route.contentType, into: &out)
        }
        batch.endRow(route: route.index, receivedAt: receivedAtMillis, message: record.position)
        batch.add(PendingBlob(table: route.blobTable ?? "\(route.layout.table)_blobs", digest: digest, bytes: bytes))
    }

    /// `"id", ts, received_at, "topic", "capture", ...` — the columns every layout starts with.
    private func writeCommonColumns(
        _ record: SpoolRecord, route: Route, batch: Batch, time: Int64, receivedAtMillis: Int64, rowIndex: Int
    ) {
        let captures = self.captures
        let readingTime = time
        batch.withBody { out in
            readingID.writeQuotedID(time: readingTime, rowIndex: rowIndex, into: &out)
            out.append(UInt8(ascii: ","))
            JSONText.writeInteger(readingTime, into: &out)
            out.append(UInt8(ascii: ","))
            JSONText.writeInteger(receivedAtMillis, into: &out)
            out.append(UInt8(ascii: ","))
            JSONText.writeString(record.topic, into: &out)
            for index in 0..<captures.count {
                out.append(UInt8(ascii: ","))
                JSONText.writeString(UnsafeRawBufferPointer(rebasing: record.topic[captures[index]]), into: &out)
            }
        }
    }

    // MARK: Dead letters

    private func deadLetter(_ record: SpoolRecord, lane: Int, route: Route?, reason: String) {
        let topic = String(decoding: record.topic, as: UTF8.self)
        let batch = openBatch(lane: lane, slot: deadLetterSlot, oldest: record.position)
        readingID.beginMessage(topic: record.topic, payload: record.payload)
        var id: [UInt8] = []
        readingID.writeQuotedID(time: record.receivedAt, rowIndex: -1, into: &id)
        DeadLetter.write(
            DeadLetter.Entry(
                id: String(decoding: id.dropFirst().dropLast(), as: UTF8.self), receivedAtMicros: record.receivedAt,
                topic: topic, route: route?.name, targetTable: route?.layout.table, reason: reason, errorCode: nil,
                payload: record.payload),
            into: batch)
        stats.update { $0.deadLetters += 1 }
        logger.warning(
            "dead letter: message on \(topic): \(reason)",
            metadata: [
                "event": "dead_letter", "topic": "\(topic)", "route": "\(route?.name ?? "none")",
                "ratelimit_key": "dead_letter_\(route?.index ?? -1)",
            ])
    }

    private func handleBadRecords() {
        for bad in spool.takeBadRecords() {
            logger.error(
                "spool: set aside \(bad.length) damaged bytes in \(bad.segment) at offset \(bad.offset): \(bad.reason)",
                metadata: ["event": "spool_corruption"])
            let batch = openBatch(lane: 0, slot: deadLetterSlot, oldest: bad.position)
            bad.bytes.withUnsafeBytes { bytes in
                DeadLetter.write(
                    DeadLetter.Entry(
                        id: "spool-" + SHA1.hexDigest(Array("\(bad.segment):\(bad.offset)".utf8)),
                        receivedAtMicros: WallClock.microseconds(), topic: "", route: nil, targetTable: nil,
                        reason: "damaged spool record (\(bad.segment) offset \(bad.offset), \(bad.length) bytes): \(bad.reason)",
                        errorCode: nil, payload: bytes),
                    into: batch)
            }
            stats.update { $0.deadLetters += 1 }
        }
    }

    // MARK: Batches

    private func openBatch(lane: Int, slot: Int, oldest: SpoolPosition) -> Batch {
        if let batch = open[lane][slot] { return batch }
        let statement = statements[slot]
        let batch = Batch(
            slot: slot, table: statement.table, statement: statement.sql, isDeadLetter: slot == deadLetterSlot,
            oldest: oldest, capacity: min(settings.maxBytes + 64 * 1024, 8 << 20))
        tracker.opened(batch)
        open[lane][slot] = batch
        return batch
    }

    private func submit(lane: Int, slot: Int) {
        guard let batch = open[lane][slot] else { return }
        open[lane][slot] = nil
        if batch.rowCount == 0 {
            _ = tracker.confirmed(batch)
            return
        }
        // Only a stopping batcher can be refused: the batch stays unconfirmed, so its messages stay in the spool.
        lanes[lane].enqueue(batch) { stopping.load(ordering: .acquiring) ? stopDeadline : .infinity }
    }

    private func flushDue(force: Bool) {
        let now = MonotonicClock.now()
        for lane in open.indices {
            for slot in open[lane].indices {
                guard let batch = open[lane][slot] else { continue }
                if force || now - batch.openedAt >= settings.maxDelay { submit(lane: lane, slot: slot) }
            }
        }
    }

    /// FNV-1a over the topic: the same topic always goes to the same lane, keeping its readings in order.
    private func laneIndex(_ topic: UnsafeRawBufferPointer) -> Int {
        guard lanes.count > 1 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in topic {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(lanes.count))
    }
}
