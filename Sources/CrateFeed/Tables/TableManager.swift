import CrateDB
import Logging

/// Creates missing tables and blob tables, once each, before the first rows go to them.
///
/// Tables are only ever created (`IF NOT EXISTS`), never dropped or altered. Creation happens lazily from the
/// writer, so cratefeed starts and spools even while CrateDB is unreachable.
final class TableManager: @unchecked Sendable {
    private let connection: Connection
    private let defaultSchema: String
    private let logger: Logger
    private let ready = Locked(Set<String>())

    init(connection: Connection, defaultSchema: String, logger: Logger) {
        self.connection = connection
        self.defaultSchema = defaultSchema
        self.logger = logger
    }

    /// Runs a CREATE statement once; an existing table is fine. Throws what CrateDB answered otherwise.
    func ensure(key: String, statement: String?) throws {
        guard let statement, !ready.withLock({ $0.contains(key) }) else { return }
        let connection = self.connection
        do {
            _ = try runBlocking { try await connection.execute(statement) }
        } catch let error as CrateDBError where error.serverError?.isRelationExists == true {
            // CREATE BLOB TABLE has no IF NOT EXISTS; an existing one is what we want.
        }
        // Several lanes may have raced to create it; one line says it is there.
        if ready.withLock({ $0.insert(key).inserted }) {
            logger.info("table \(key) is ready", metadata: ["table": "\(key)", "event": "table_ready"])
        }
    }

    func ensureBlobTable(_ table: String) throws {
        try ensure(key: "blob.\(table)", statement: "CREATE BLOB TABLE \(SQLIdentifier.quote(table))")
    }

    /// Forgets that a table exists, after CrateDB said it does not (dropped while cratefeed runs).
    func forget(key: String) {
        ready.withLock { _ = $0.remove(key) }
    }
}
