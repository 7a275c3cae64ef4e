/// Quoting for table and column names in generated SQL.
enum SQLIdentifier {
    /// `schema.table` or `table` as quoted identifiers: `"doc"."readings"`.
    static func quoteTable(_ name: String, defaultSchema: String) -> String {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        let (schema, table) = parts.count == 2 ? (parts[0], parts[1]) : (defaultSchema, parts[0])
        return quote(schema) + "." + quote(table)
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Foundation
