/// The columns cratefeed writes for one route, and the DDL that creates its table when it is missing.
///
/// The default layout for readings: `id` (deterministic, so replays and redeliveries never double a row), `ts`,
/// `received_at`, `topic`, one TEXT column per named wildcard of the topic filter, and the decoded `payload` as
/// a dynamic OBJECT, partitioned by month with primary key (id, month). A blob route stores `digest`, `size` and
/// `content_type` instead of `payload`. A route with a column mapping writes into an existing table.
struct TableLayout: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case readings
        case blobReferences
        /// Payload fields (dotted paths) mapped onto the columns of an existing table.
        case mapped(columns: [(column: String, path: [String])])

        static func == (lhs: Kind, rhs: Kind) -> Bool {
            switch (lhs, rhs) {
            case (.readings, .readings), (.blobReferences, .blobReferences): return true
            case (.mapped(let a), .mapped(let b)):
                return a.map(\.column) == b.map(\.column) && a.map(\.path) == b.map(\.path)
            default: return false
            }
        }
    }

    let table: String
    let captureColumns: [String]
    let kind: Kind

    /// Column names in the order rows are written.
    var columns: [String] {
        let common = ["id", "ts", "received_at", "topic"] + captureColumns
        switch kind {
        case .readings: return common + ["payload"]
        case .blobReferences: return common + ["digest", "size", "content_type"]
        case .mapped(let mapping): return common + mapping.map(\.column)
        }
    }

    func insertStatement(defaultSchema: String) -> String {
        let names = columns.map(SQLIdentifier.quote).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO \(SQLIdentifier.quoteTable(table, defaultSchema: defaultSchema)) (\(names)) "
            + "VALUES (\(placeholders)) ON CONFLICT DO NOTHING"
    }

    /// `CREATE TABLE IF NOT EXISTS` for the default layouts; nil for a mapped route, whose table must exist.
    func createStatement(defaultSchema: String) -> String? {
        let captures = captureColumns.map { "  \(SQLIdentifier.quote($0)) TEXT,\n" }.joined()
        let body: String
        switch kind {
        case .readings: body = "  \"payload\" OBJECT(DYNAMIC),\n"
        case .blobReferences: body = "  \"digest\" TEXT,\n  \"size\" BIGINT,\n  \"content_type\" TEXT,\n"
        case .mapped: return nil
        }
        return """
            CREATE TABLE IF NOT EXISTS \(SQLIdentifier.quoteTable(table, defaultSchema: defaultSchema)) (
              "id" TEXT,
              "ts" TIMESTAMP WITH TIME ZONE,
              "received_at" TIMESTAMP WITH TIME ZONE,
              "topic" TEXT,
            \(captures)\(body)  "month" TIMESTAMP WITH TIME ZONE GENERATED ALWAYS AS date_trunc('month', "ts"),
              PRIMARY KEY ("id", "month")
            ) PARTITIONED BY ("month")
            """
    }

    /// The dead-letter table: every message or row that could not be stored, with why.
    static func deadLetterCreateStatement(table: String, defaultSchema: String) -> String {
        // payload is kept out of the index and column store: Lucene rejects terms over 32 KiB.
        """
        CREATE TABLE IF NOT EXISTS \(SQLIdentifier.quoteTable(table, defaultSchema: defaultSchema)) (
          "id" TEXT PRIMARY KEY,
          "received_at" TIMESTAMP WITH TIME ZONE,
          "topic" TEXT,
          "route" TEXT,
          "target_table" TEXT,
          "reason" TEXT,
          "error_code" INTEGER,
          "payload" TEXT INDEX OFF STORAGE WITH (columnstore = false),
          "payload_base64" TEXT INDEX OFF STORAGE WITH (columnstore = false),
          "payload_size" BIGINT
        )
        """
    }

    static let deadLetterColumns = [
        "id", "received_at", "topic", "route", "target_table", "reason", "error_code", "payload", "payload_base64",
        "payload_size",
    ]

    static func deadLetterInsert(table: String, defaultSchema: String) -> String {
        let names = deadLetterColumns.map(SQLIdentifier.quote).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: deadLetterColumns.count).joined(separator: ", ")
        return "INSERT INTO \(SQLIdentifier.quoteTable(table, defaultSchema: defaultSchema)) (\(names)) "
            + "VALUES (\(placeholders)) ON CONFLICT DO NOTHING"
    }
}
