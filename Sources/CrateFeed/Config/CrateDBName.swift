/// The names cratefeed accepts for CrateDB schemas, tables, blob tables and columns.
///
/// Deliberately narrower than CrateDB: lower-case letters, digits and `_`, starting with a letter (CrateDB
/// reserves a leading `_` for system columns and lower-cases unquoted names), at most 255 bytes. Such a name
/// means the same quoted or unquoted, so what the configuration says is what `cratefeed sql` finds.
enum CrateDBName {
    static let identifierRule = "lower-case letters, digits and _, starting with a letter"

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 255, first >= UInt8(ascii: "a"),
            first <= UInt8(ascii: "z")
        else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
    }

    /// `table` or `schema.table`.
    static func isTableName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { isIdentifier(String($0)) }
    }

    /// `table` qualified with `schema` unless it names its own: used to compare table names.
    static func qualified(_ table: String, schema: String) -> String {
        table.contains(".") ? table : "\(schema).\(table)"
    }

    /// The table part of `schema.table`.
    static func unqualified(_ table: String) -> String {
        table.split(separator: ".").last.map(String.init) ?? table
    }

    static func tableProblem(_ name: String) -> String? {
        isTableName(name)
            ? nil
            : "\(ConfigTOMLWriter.quoted(name)) is not a CrateDB table name (\(identifierRule); optionally schema.table)"
    }

    static func identifierProblem(_ name: String, _ what: String) -> String? {
        isIdentifier(name) ? nil : "\(ConfigTOMLWriter.quoted(name)) is not a CrateDB \(what) (\(identifierRule))"
    }
}
