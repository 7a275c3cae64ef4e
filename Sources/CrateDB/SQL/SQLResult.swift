/// The answer to one statement: CrateDB's `cols`, `col_types`, `rows`, `rowcount` and `duration`.
public struct SQLResult: Sendable {
    public let columns: [String]
    /// Empty when the server sent no `col_types` (it does for every non-bulk statement sent by this client).
    public let columnTypes: [ColumnType]
    public let rows: [[SQLValue]]
    /// Rows affected or returned; -1 when CrateDB does not know.
    public let rowCount: Int
    /// Server-side duration in milliseconds.
    public let duration: Double

    public init(columns: [String], columnTypes: [ColumnType], rows: [[SQLValue]], rowCount: Int, duration: Double) {
        self.columns = columns
        self.columnTypes = columnTypes
        self.rows = rows
        self.rowCount = rowCount
        self.duration = duration
    }

    /// Parses a successful `/_sql` response body.
    init(json: SQLValue) throws {
        guard let object = json.objectValue, let cols = object["cols"]?.arrayValue else {
            throw CrateDBError.invalidResponse("a /_sql response without \"cols\"")
        }
        columns = cols.compactMap(\.stringValue)
        let types = object["col_types"]?.arrayValue?.map(ColumnType.init) ?? []
        columnTypes = types
        let rawRows = object["rows"]?.arrayValue ?? []
        rows = rawRows.map { row in
            let cells = row.arrayValue ?? []
            guard types.count == cells.count else { return cells }
            return zip(types, cells).map { $0.interpret($1) }
        }
        rowCount = object["rowcount"]?.intValue.map(Int.init) ?? -1
        duration = object["duration"]?.doubleValue ?? 0
    }

    /// The rows as dictionaries keyed by column name.
    public var namedRows: [[String: SQLValue]] {
        rows.map { Dictionary(zip(columns, $0), uniquingKeysWith: { first, _ in first }) }
    }
}
