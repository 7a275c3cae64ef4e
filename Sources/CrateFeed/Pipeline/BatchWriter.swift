import CrateDB
import Foundation
import Logging

/// Writes one batch to CrateDB: its blobs first, then its rows in one bulk request, then dead letters for the
/// rows CrateDB rejected; only then is the batch confirmed and the spool released past it.
///
/// Availability problems (every node down, timeouts, 5xx, authentication) are retried with capped backoff
/// for as long as it takes: the spool holds the backlog. Problems with the data are isolated to the rows that
/// cause them: a request CrateDB rejects as a whole (a value that cannot be cast, since 5.10.11) is split in
/// halves until the bad rows stand alone, and those go to the dead-letter table.
final class BatchWriter: @unchecked Sendable {
    struct Statement {
        let sql: String
        let table: String
        let create: String?
    }

    private let connection: Connection
    private let tables: TableManager
    private let statements: [Statement]
    private let deadLetterSlot: Int
    private let routeNames: [String]
    private let tracker: ReleaseTracker
    private let spool: Spool
    private let stats: PipelineStats
    private let logger: Logger
    /// True once the pipeline is past its drain deadline: retries give up and the spool keeps the batch.
    private let mustGiveUp: () -> Bool
    /// The longest wait between retries: 5 s, or the pool's retry interval when that is shorter, so that the
    /// end of an outage of every node is noticed within that time.
    private let maxRetryDelay: Double
    /// Attempts of any lane that reached CrateDB, so that lanes waiting out a backoff see it is back.
    private let progress = WriteProgress()

    init(
        connection: Connection, tables: TableManager, statements: [Statement], deadLetterSlot: Int,
        routeNames: [String], tracker: ReleaseTracker, spool: Spool, stats: PipelineStats, logger: Logger,
        retryInterval: Double, mustGiveUp: @escaping () -> Bool
    ) {
        self.maxRetryDelay = min(5, retryInterval)  // RetryBackoff raises it to its first delay if shorter
        self.connection = connection
        self.tables = tables
        self.statements = statements
        self.deadLetterSlot = deadLetterSlot
        self.routeNames = routeNames
        self.tracker = tracker
        self.spool = spool
        self.stats = stats
        self.logger = logger
        self.mustGiveUp = mustGiveUp
    }

    private struct GaveUp: Error {}

    /// Returns false when it gave up because the pipeline is stopping; the batch then stays in the spool.
    func write(_ batch: Batch, lane: Lane) -> Bool {
        if Self.hangsForTests { Self.hang() }
        do {
            var rejected: [(row: Int, error: ServerError)] = []
            do {
                for blob in batch.blobs { try store(blob, lane: lane) }
                try send(batch, rows: 0..<batch.rowCount, rejected: &rejected, lane: lane)
            } catch let error as CrateDBError {
                // A blob CrateDB refuses for its content cannot be fixed by resending: its rows go to the
                // dead-letter table rather than stall the lane.
                let refusal = ServerError(code: 0, message: error.description, status: 400)
                rejected = (0..<batch.rowCount).map { ($0, refusal) }
            }
            if !rejected.isEmpty { try deadLetter(rejected, from: batch, lane: lane) }
        } catch {
            return false
        }
        if !batch.isDeadLetter { stats.recordStored(receivedAt: batch.rowReceivedAt) }
        if let point = tracker.confirmed(batch) {
            do {
                try spool.release(upTo: point)
            } catch {
                logger.error("cannot release the spool: \(error)", metadata: ["event": "spool_error"])
            }
        }
        return true
    }

    /// A fault the watchdog tests inject, since a real hang (a request stuck past its own timeout, a deadlock)
    /// cannot be made on purpose: with CRATEFEED_TEST_HANG_WRITER set, the first write never returns and the
    /// lane stops beating. Nothing sets it outside Tests/.
    private static let hangsForTests = ProcessInfo.processInfo.environment["CRATEFEED_TEST_HANG_WRITER"] != nil

    private static func hang() -> Never {
        while true { sleep(3600) }
    }

    // MARK: Blobs

    private func store(_ blob: PendingBlob, lane: Lane) throws {
        let container = connection.blobContainer(blob.table)
        try retrying(what: "blob \(blob.digest) in \(blob.table)", lane: lane, isFinal: Self.isBlobRefusal) {
            try tables.ensureBlobTable(blob.table)
            let bytes = blob.bytes
            let digest = blob.digest
            do {
                // false means it was already there (409): stored all the same.
                _ = try runBlocking { try await container.put(bytes, digest: digest) }
            } catch CrateDBError.unknownBlobTable {
                tables.forget(key: "blob.\(blob.table)")
                throw CrateDBError.unknownBlobTable(blob.table)
            }
            stats.update { $0.blobsStored += 1 }
        }
    }

    // MARK: Rows

    private func send(_ batch: Batch, rows: Range<Int>, rejected: inout [(row: Int, error: ServerError)], lane: Lane) throws {
        guard !rows.isEmpty else { return }
        let statement = statements[batch.slot]
        let body = rows.count == batch.rowCount ? batch.requestBody() : batch.requestBody(rows: rows)
        var dataError: ServerError?
        var missingTable: ServerError?
        try retrying(what: "\(rows.count) rows for table \(statement.table)", lane: lane) {
            try tables.ensure(key: statement.table, statement: statement.create)
            do {
                let connection = self.connection
                let result = try runBlocking { try await connection.executeBulk(body: body) }
                record(result, batch: batch, rows: rows, rejected: &rejected)
                dataError = nil
            } catch let error as CrateDBError {
                if let server = error.serverError, server.isUnknownRelation, statement.create == nil {
                    missingTable = server  // an existing table a route maps onto is gone: see below
                    return
                }
                guard let server = error.serverError, Self.isDataError(server) else {
                    if let server = error.serverError, server.isUnknownRelation { tables.forget(key: statement.table) }
                    throw error
                }
                dataError = server
            }
        }
        if let missingTable {
            // cratefeed does not create a table it maps onto, so waiting would stall every topic of this lane
            // until someone creates it. The rows go to the dead-letter table with the message, to be replayed.
            logger.error(
                "table \(statement.table) does not exist: create it (cratefeed maps onto it, it does not create it); its rows go to the dead-letter table meanwhile",
                metadata: ["event": "table_missing", "table": "\(statement.table)", "ratelimit_key": "table_missing_\(statement.table)"])
            rejected.append(contentsOf: rows.map { ($0, missingTable) })
            return
        }
        guard let dataError else { return }
        if rows.count == 1 {
            rejected.append((rows.lowerBound, dataError))
            return
        }
        let middle = rows.lowerBound + rows.count / 2
        try send(batch, rows: rows.lowerBound..<middle, rejected: &rejected, lane: lane)
        try send(batch, rows: middle..<rows.upperBound, rejected: &rejected, lane: lane)
    }

    /// Errors caused by the rows themselves, which resending cannot fix: a bad value, an unknown column in a
    /// strict table, a request too large. Everything else (5xx, 401, an unknown table) is retried.
    static func isDataError(_ error: ServerError) -> Bool {
        switch error.status {
        case 400, 413: return true
        case 404: return error.code == 4043
        case 409: return true
        default: return false
        }
    }

    private func record(_ result: BulkResult, batch: Batch, rows: Range<Int>, rejected: inout [(row: Int, error: ServerError)]) {
        var stored: Int64 = 0
        var already: Int64 = 0
        for (offset, outcome) in result.outcomes.enumerated() where offset < rows.count {
            switch outcome {
            case .applied(let count) where count > 0: stored += 1
            case .applied: already += 1
            case .failed(let error):
                rejected.append(
                    (rows.lowerBound + offset,
                     error ?? ServerError(code: 0, message: "CrateDB rejected the row without a message", status: 200)))
            }
        }
        stats.update {
            $0.rowsStored += stored
            $0.rowsAlreadyStored += already
            $0.batchesSent += 1
        }
    }

    // MARK: Dead letters

    private func deadLetter(_ rejected: [(row: Int, error: ServerError)], from batch: Batch, lane: Lane) throws {
        let statement = statements[deadLetterSlot]
        let letters = Batch(
            slot: deadLetterSlot, table: statement.table, statement: statement.sql, isDeadLetter: true,
            oldest: batch.oldest, capacity: 4096)
        for (row, error) in rejected {
            let routeIndex = Int(batch.rowRoutes[row])
            let route = routeNames.indices.contains(routeIndex) ? routeNames[routeIndex] : nil
            // The row as it was sent: its id is the first value (a digest of the row when it has none).
            let text = batch.rowText(row)
            let fields = (try? JSONParser.parse(text))?.arrayValue ?? []
            let id = "row-" + (fields.first?.stringValue ?? SHA1.hexDigest(Array(text.utf8)))
            let entry = { (topic: String, receivedAtMicros: Int64, payload: UnsafeRawBufferPointer) in
                DeadLetter.Entry(
                    id: id, receivedAtMicros: receivedAtMicros, topic: topic, route: route, targetTable: batch.table,
                    reason: "CrateDB rejected the row: \(error.message)", errorCode: error.code, payload: payload)
            }
            let topic: String
            if let message = batch.rowMessages[row].flatMap({ readMessage(at: $0) }) {
                // The message as it arrived, as for every other dead letter.
                topic = message.topic
                message.payload.withUnsafeBytes { DeadLetter.write(entry(topic, message.receivedAt, $0), into: letters) }
            } else {
                // No message behind it (a dead letter itself) or it cannot be read: the row's own text.
                topic = fields.count > 3 ? fields[3].stringValue ?? "" : ""
                let receivedAt = (fields.count > 2 ? fields[2].intValue ?? 0 : 0) * 1000
                Array(text.utf8).withUnsafeBytes { DeadLetter.write(entry(topic, receivedAt, $0), into: letters) }
            }
            logger.warning(
                "dead letter: table \(batch.table) rejected a row from \(topic): \(error.message)",
                metadata: [
                    "event": "dead_letter", "topic": "\(topic)", "table": "\(batch.table)",
                    "error_code": "\(error.code)", "ratelimit_key": "dead_letter_row_\(batch.table)",
                ])
        }
        if batch.isDeadLetter {
            // A dead letter the dead-letter table rejects has nowhere left to go: the log line above is its trace.
            return
        }
        var rejectedLetters: [(row: Int, error: ServerError)] = []
        try send(letters, rows: 0..<letters.rowCount, rejected: &rejectedLetters, lane: lane)
        for (row, error) in rejectedLetters {
            logger.error(
                "the dead-letter table rejected an entry: \(error.message); entry: \(letters.rowText(row).prefix(500))",
                metadata: ["event": "dead_letter_lost", "table": "\(letters.table)"])
        }
        stats.update { $0.deadLetters += Int64(rejected.count) }
    }

    /// The spooled message at `position`: still in the spool, since the batch naming it is not confirmed.
    private func readMessage(at position: SpoolPosition) -> (topic: String, receivedAt: Int64, payload: [UInt8])? {
        let reader = spool.makeReader(from: position)
        // The record points into the reader's buffer: copy out while the reader lives.
        return withExtendedLifetime(reader) {
            guard let record = try? reader.next(), record.position == position else { return nil }
            return (record.topicString, record.receivedAt, Array(record.payload))
        }
    }

    // MARK: Retrying

    /// A blob upload CrateDB refused for what it is (its digest does not match), not for availability.
    static func isBlobRefusal(_ error: Error) -> Bool {
        if case CrateDBError.digestMismatch = error { return true }
        return false
    }

    /// Runs `attempt` until it succeeds or fails with a data error (or one `isFinal` names), backing off on
    /// availability errors.
    private func retrying(what: String, lane: Lane, isFinal: (Error) -> Bool = { _ in false }, _ attempt: () throws -> Void) throws {
        var backoff = RetryBackoff(maxDelay: maxRetryDelay)
        while true {
            let writesBefore = progress.writesThrough
            do {
                try attempt()
                progress.recordWriteThrough()
                return
            } catch let error as CrateDBError where error.serverError.map(Self.isDataError) == true || isFinal(error) {
                throw error
            } catch {
                logger.warning(
                    "cannot write \(what), retrying in \(String(format: "%.1f", backoff.delay)) s: \(error)",
                    metadata: ["event": "write_retry", "ratelimit_key": "write_retry"])
            }
            if backoff.wait(progress: progress, writesBefore: writesBefore, beat: lane.beat, mustGiveUp: mustGiveUp)
                == .mustGiveUp {
                throw GaveUp()
            }
        }
    }
}
