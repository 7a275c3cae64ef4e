import Foundation

/// One `[[route]]`: which topics it takes, how their payloads are decoded and which table the rows go to.
/// A message goes to the first route whose topic filter matches.
public struct RouteSettings: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case json, influx, senml, value, blob
    }

    /// How the `timestamp` field is read; `auto` tells epoch units apart by magnitude and parses text as
    /// RFC 3339 or ISO 8601.
    public enum TimestampFormat: String, Sendable, CaseIterable {
        case auto, s, ms, us, ns, rfc3339, iso8601
    }

    /// Units of InfluxDB line-protocol timestamps.
    public enum Precision: String, Sendable, CaseIterable {
        case s, ms, us, ns
    }

    /// A payload field (dotted path for nested fields) stored in a column of an existing table.
    public struct ColumnMapping: Sendable, Equatable {
        public var field: String
        public var column: String

        public init(field: String, column: String) {
            self.field = field
            self.column = column
        }
    }

    public static let defaultTable = "readings"

    /// The filter as written: MQTT syntax with named wildcards (`+device` one level, `#rest` the rest).
    public var topic: String
    public var format: Format = .json
    /// `table` or `schema.table`.
    public var table = RouteSettings.defaultTable
    /// json: the payload field holding the reading's time (dotted path); nil = the time of receipt.
    public var timestamp: String? = nil
    public var timestampFormat: TimestampFormat = .auto
    /// For ISO 8601 times without an offset.
    public var timezone = TimeZone(identifier: "UTC")!
    /// influx only.
    public var precision: Precision = .ns
    /// Where blobs go: for format blob and for json `blob_fields`; nil otherwise. Default `<table>_blobs`.
    public var blobTable: String? = nil
    /// blob only: the content type recorded with each blob.
    public var contentType = "application/octet-stream"
    /// json only: base64 string fields stored as blobs and replaced by their digest.
    public var blobFields: [String] = []
    /// Non-empty: rows go into the existing `table`, one column per mapped field, sorted by field.
    /// Empty: the default layout (created when missing).
    public var columns: [ColumnMapping] = []

    public var usesDefaultLayout: Bool { columns.isEmpty }

    /// The payload path of `timestamp`, split at dots.
    public var timestampPath: [String]? {
        timestamp.map { $0.split(separator: ".").map(String.init) }
    }

    public init(topic: String) {
        self.topic = topic
    }

    init(reading reader: ConfigTableReader) {
        topic = reader.text("topic") ?? ""
        var captureNames: [String] = []
        if !reader.contains("topic") {
            reader.report("topic", "missing; set the topic filter this route takes, e.g. \"sensors/+device/#\"")
        } else if !topic.isEmpty {
            switch RouteTopicValidation.captureNames(of: topic) {
            case .success(let names): captureNames = names
            case .failure(let error): reader.report("topic", "\(error)")
            }
        }
        format = reader.choice("format") ?? format
        if let name = reader.text("table") {
            if let problem = CrateDBName.tableProblem(name) { reader.report("table", problem) } else { table = name }
        }

        readTimestamp(reader)
        readBlobKeys(reader)
        readColumns(reader, captureNames: captureNames)
        reader.reportUnknownKeys()
    }

    private mutating func readTimestamp(_ reader: ConfigTableReader) {
        timestamp = reader.text("timestamp")
        if let path = timestamp, !Self.isFieldPath(path) {
            reader.report("timestamp", "\(ConfigTOMLWriter.quoted(path)) is not a field path (names joined by dots)")
        }
        let hasFormat = reader.contains("timestamp_format")
        timestampFormat = reader.choice("timestamp_format") ?? timestampFormat
        let hasZone = reader.contains("timezone")
        if let name = reader.text("timezone") {
            if let zone = TimeZone(identifier: name) {
                timezone = zone
            } else {
                reader.report(
                    "timezone",
                    "\(ConfigTOMLWriter.quoted(name)) is not a time zone (such as \"UTC\" or \"Europe/Berlin\")")
            }
        }
        let hasPrecision = reader.contains("precision")
        precision = reader.choice("precision") ?? precision

        if format == .json {
            reader.require(timestamp != nil || !hasFormat, "timestamp_format", "needs timestamp (the field to read)")
            reader.require(timestamp != nil || !hasZone, "timezone", "needs timestamp (the field to read)")
        } else {
            reader.require(timestamp == nil, "timestamp", "is only for json routes; \(whereTimeComesFrom)")
            reader.require(!hasFormat, "timestamp_format", "is only for json routes")
            reader.require(!hasZone, "timezone", "is only for json routes")
        }
        reader.require(format == .influx || !hasPrecision, "precision", "is only for influx routes")
    }

    /// Why a non-json route has no `timestamp` key.
    private var whereTimeComesFrom: String {
        switch format {
        case .influx: return "line protocol carries its own timestamps"
        case .senml: return "SenML records carry their own times"
        default:
            return "a \(format.rawValue) route has no payload fields to take it from (rows get the time of receipt)"
        }
    }

    /// Field names joined by dots: `ts`, `meta.time`.
    private static func isFieldPath(_ path: String) -> Bool {
        !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
    }

    private mutating func readBlobKeys(_ reader: ConfigTableReader) {
        blobFields = reader.stringArray("blob_fields") ?? []
        reader.require(format == .json || blobFields.isEmpty, "blob_fields", "is only for json routes")
        for (index, field) in blobFields.enumerated() {
            if !Self.isFieldPath(field) {
                reader.problems.add(
                    "\(reader.key("blob_fields"))[\(index + 1)]",
                    "\(ConfigTOMLWriter.quoted(field)) is not a field path (names joined by dots)")
            }
        }

        let storesBlobs = format == .blob || !blobFields.isEmpty
        if let name = reader.text("blob_table") {
            if let problem = CrateDBName.identifierProblem(name, "blob table name") {
                reader.report("blob_table", problem + "; blob tables have no schema")
            }
            reader.require(storesBlobs, "blob_table", "is only for blob routes and json routes with blob_fields")
            blobTable = name
        }
        if storesBlobs, blobTable == nil { blobTable = CrateDBName.unqualified(table) + "_blobs" }
        if !storesBlobs { blobTable = nil }

        if let type = reader.text("content_type") {
            reader.require(format == .blob, "content_type", "is only for blob routes")
            let parts = type.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count != 2 || parts.contains(where: \.isEmpty)
                || type.contains(where: { $0.isWhitespace || $0.isNewline })
            {
                reader.report(
                    "content_type", "\(ConfigTOMLWriter.quoted(type)) is not a content type such as \"image/jpeg\"")
            } else {
                contentType = type
            }
        }
    }

    private mutating func readColumns(_ reader: ConfigTableReader, captureNames: [String]) {
        guard let mapping = reader.table("columns") else { return }
        guard !mapping.table.isEmpty else {
            return reader.report("columns", "maps no fields; remove it to use the default layout")
        }
        reader.require(
            reader.contains("table"), "columns", "needs table: the existing table the fields are written to")
        reader.require(
            format != .blob, "columns",
            "is not for blob routes: a blob has no fields (its row holds digest, size "
                + "and content_type)")
        var found: [(mapping: ColumnMapping, key: String)] = []
        collectColumns(mapping, prefix: "", into: &found)
        var fieldByColumn: [String: String] = [:]
        let ownColumns = RouteTopicValidation.commonColumns + captureNames
        for entry in found {
            if ownColumns.contains(entry.mapping.column) {
                reader.problems.add(
                    entry.key,
                    "column \(ConfigTOMLWriter.quoted(entry.mapping.column)) is written by cratefeed itself "
                        + "(\(ownColumns.joined(separator: ", ")))")
                continue
            }
            if let other = fieldByColumn[entry.mapping.column] {
                reader.problems.add(
                    entry.key, "column \(ConfigTOMLWriter.quoted(entry.mapping.column)) is already mapped from \(other)"
                )
            }
            fieldByColumn[entry.mapping.column] = fieldByColumn[entry.mapping.column] ?? entry.mapping.field
        }
        columns = found.map(\.mapping).sorted { $0.field < $1.field }
    }

    /// Flattens nested tables into dotted paths: `room.temp = "t"` and `"room.temp" = "t"` mean the same.
    /// Each mapping comes with its key as problem lines show it.
    private func collectColumns(
        _ reader: ConfigTableReader, prefix: String, into found: inout [(mapping: ColumnMapping, key: String)]
    ) {
        for name in reader.table.keys {
            let field = prefix.isEmpty ? name : "\(prefix).\(name)"
            let value = reader.value(name)!
            if let nested = value.table {
                let nestedReader = ConfigTableReader(nested, keyPath: reader.key(name), problems: reader.problems)
                collectColumns(nestedReader, prefix: field, into: &found)
            } else if let column = value.string {
                if let problem = CrateDBName.identifierProblem(column, "column name") {
                    reader.report(name, problem)
                } else {
                    found.append((ColumnMapping(field: field, column: column), reader.key(name)))
                }
            } else {
                reader.report(name, "\(reader.describe(value)) is not a column name (a string)")
            }
        }
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.arraySection("route")
        writer.string("topic", topic)
        writer.string("format", format.rawValue)
        writer.string("table", table)
        switch format {
        case .json:
            if let timestamp {
                writer.string("timestamp", timestamp)
                writer.string("timestamp_format", timestampFormat.rawValue)
                writer.string("timezone", timezone.identifier == "GMT" ? "UTC" : timezone.identifier)
            } else {
                writer.comment("timestamp: not set, rows get the time of receipt")
            }
            if !blobFields.isEmpty { writer.strings("blob_fields", blobFields) }
        case .influx:
            writer.string("precision", precision.rawValue)
        case .blob:
            writer.string("content_type", contentType)
        case .senml, .value:
            break
        }
        writer.string("blob_table", blobTable)
        if !columns.isEmpty {
            writer.section("route.columns")
            for mapping in columns { writer.string(mapping.field, mapping.column) }
        }
    }
}
