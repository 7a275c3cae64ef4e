import Foundation

/// What the configuration's routes turn into: one `Route` per `[[route]]`, and the distinct INSERT statements
/// (one per table layout) plus the dead-letter statement, each at a fixed slot.
struct PipelinePlan {
    let routes: [Route]
    let statements: [BatchWriter.Statement]
    let deadLetterSlot: Int
    /// MQTT filters to subscribe to, shared-group prefix applied.
    let subscriptions: [String]

    init(configuration: Configuration) throws {
        let schema = configuration.cratedb.schema
        var statements: [BatchWriter.Statement] = []
        var routes: [Route] = []
        for (index, settings) in configuration.routes.enumerated() {
            let filter = try TopicFilter(settings.topic, reservedNames: Self.reservedColumns)
            let layout = Self.layout(for: settings, filter: filter)
            let insert = layout.insertStatement(defaultSchema: schema)
            let slot: Int
            if let existing = statements.firstIndex(where: { $0.sql == insert }) {
                slot = existing
            } else {
                slot = statements.count
                statements.append(
                    BatchWriter.Statement(sql: insert, table: settings.table, create: layout.createStatement(defaultSchema: schema)))
            }
            routes.append(
                Route(
                    index: index, filter: filter, format: Route.Format(rawValue: settings.format.rawValue)!, layout: layout,
                    slot: slot, blobTable: Self.blobTable(for: settings), contentType: settings.contentType,
                    decoder: Self.decoder(for: settings)))
        }
        let deadLetters = configuration.cratedb.deadLetterTable
        deadLetterSlot = statements.count
        statements.append(
            BatchWriter.Statement(
                sql: TableLayout.deadLetterInsert(table: deadLetters, defaultSchema: schema), table: deadLetters,
                create: TableLayout.deadLetterCreateStatement(table: deadLetters, defaultSchema: schema)))
        self.routes = routes
        self.statements = statements
        // Covered filters are left out: the broker would deliver their messages twice. Configuration refuses
        // filters that overlap without one covering the other.
        var table = RouteTable()
        for route in routes { table.append(route.filter, route: route.index) }
        let filters = table.subscriptionFilters
        if let group = configuration.mqtt.sharedGroup {
            subscriptions = filters.map { "$share/\(group)/\($0)" }
        } else {
            subscriptions = filters
        }
    }

    /// Column names every default layout has; a wildcard may not take one of them.
    static var reservedColumns: Set<String> { RouteTopicValidation.reservedColumns }

    static func layout(for settings: RouteSettings, filter: TopicFilter) -> TableLayout {
        if !settings.columns.isEmpty {
            let mapping = settings.columns.map { (column: $0.column, path: $0.field.split(separator: ".").map(String.init)) }
            return TableLayout(table: settings.table, captureColumns: filter.captureNames, kind: .mapped(columns: mapping))
        }
        let kind: TableLayout.Kind = settings.format == .blob ? .blobReferences : .readings
        return TableLayout(table: settings.table, captureColumns: filter.captureNames, kind: kind)
    }

    static func blobTable(for settings: RouteSettings) -> String? {
        guard settings.format == .blob || !settings.blobFields.isEmpty else { return nil }
        return settings.blobTable ?? "\(settings.table.split(separator: ".").last ?? "")_blobs"
    }

    static func decoder(for settings: RouteSettings) -> (any PayloadDecoder)? {
        let options = DecoderOptions(
            timestampPath: settings.timestampPath,
            timestampUnit: TimestampUnit(rawValue: settings.timestampFormat.rawValue) ?? .auto,
            timeZone: settings.timezone,
            blobFields: settings.blobFields.map { $0.split(separator: ".").map(String.init) },
            influxPrecision: TimestampUnit(rawValue: settings.precision.rawValue) ?? .ns)
        switch settings.format {
        case .json: return JSONPayloadDecoder(options: options)
        case .influx: return InfluxLineDecoder(options: options)
        case .senml: return SenMLDecoder(options: options)
        case .value: return ValueDecoder(options: options)
        case .blob: return nil
        }
    }
}
