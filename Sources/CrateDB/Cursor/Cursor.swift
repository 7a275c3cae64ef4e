/// Cursor-style access to results, as the official client's DB-API cursor offers it.
///
/// `execute` fetches the whole result (CrateDB sends it in one response); the fetch calls then hand out rows
/// from it. A cursor belongs to one task at a time, like a DB-API cursor.
public final class Cursor {
    public let connection: Connection
    /// Rows `fetchMany()` returns when no size is given (DB-API `arraysize`).
    public var arraySize = 1

    private var result: SQLResult?
    private var position = 0
    private var bulkRowCount: Int?

    init(connection: Connection) {
        self.connection = connection
    }

    /// Runs a statement with `?` parameters; the rows are then fetched with `fetchOne`, `fetchMany` or `fetchAll`.
    public func execute(_ statement: String, _ arguments: [SQLValue] = []) async throws {
        result = nil
        bulkRowCount = nil
        result = try await connection.execute(statement, arguments)
        position = 0
    }

    /// Runs a statement once per argument row (`bulk_args`) and returns each row's outcome.
    @discardableResult
    public func executeMany(_ statement: String, _ rows: [[SQLValue]]) async throws -> BulkResult {
        result = nil
        bulkRowCount = nil
        let bulk = try await connection.executeBulk(statement, rows)
        bulkRowCount = bulk.rowCount
        return bulk
    }

    /// The column names of the last result: `[column[0] for column in cursor.description]` in Python.
    public var description: [String]? { result?.columns }

    public var columnTypes: [ColumnType]? { result?.columnTypes }

    /// Rows returned or affected by the last statement; for `executeMany`, the sum of the row counts.
    public var rowCount: Int { bulkRowCount ?? result?.rowCount ?? -1 }

    public var duration: Double? { result?.duration }

    public func fetchOne() -> [SQLValue]? {
        guard let rows = result?.rows, position < rows.count else { return nil }
        defer { position += 1 }
        return rows[position]
    }

    /// The next `size` rows (`arraySize` when nil); `fetchMany(0)` returns all remaining rows.
    public func fetchMany(_ size: Int? = nil) -> [[SQLValue]] {
        guard let rows = result?.rows else { return [] }
        let wanted = size ?? arraySize
        let end = wanted <= 0 ? rows.count : Swift.min(rows.count, position + wanted)
        guard position < end else { return [] }
        defer { position = end }
        return Array(rows[position..<end])
    }

    public func fetchAll() -> [[SQLValue]] {
        fetchMany(0)
    }

    /// The next row decoded into `T` by column name.
    public func fetchOne<T: Decodable>(as type: T.Type) throws -> T? {
        guard let columns = result?.columns, let row = fetchOne() else { return nil }
        return try RowDecoder().decode(type, row: row, columns: columns)
    }

    /// All remaining rows decoded into `T` by column name.
    public func fetchAll<T: Decodable>(as type: T.Type) throws -> [T] {
        guard let columns = result?.columns else { return [] }
        return try fetchAll().map { try RowDecoder().decode(type, row: $0, columns: columns) }
    }
}

extension Cursor: Sequence, IteratorProtocol {
    /// Iterating a cursor fetches its remaining rows one by one.
    public func next() -> [SQLValue]? { fetchOne() }
}
