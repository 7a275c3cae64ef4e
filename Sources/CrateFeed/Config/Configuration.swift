import Foundation
import TOMLKit

/// cratefeed's configuration: one TOML file, documented key by key in config/cratefeed.toml.
///
/// Every key has a default except the routes. `load(path:)` reports every problem in the file at once, one line
/// each, and never returns a configuration with a problem in it; the daemon and `cratefeed check-config` use it.
public struct Configuration: Sendable, Equatable {
    public static let defaultPath = "/etc/cratefeed/cratefeed.toml"

    public var mqtt = MQTTSettings()
    public var cratedb = CrateDBSettings()
    public var spool = SpoolSettings()
    public var batch = BatchSettings()
    public var log = LogSettings()
    public var systemd = SystemdSettings()
    /// In file order; a message goes to the first route whose filter matches.
    public var routes: [RouteSettings] = []

    /// All defaults and no routes (which `load` would refuse).
    public init() {}

    /// Concurrent bulk requests: `batch.in_flight`, or one per server when that is 0.
    public var batchesInFlight: Int {
        batch.inFlight > 0 ? batch.inFlight : max(1, cratedb.servers.count)
    }

    /// Reads and validates the file. `password_file` keys are read now; bare names are looked up in
    /// `environment["CREDENTIALS_DIRECTORY"]` first.
    public static func load(
        path: String = defaultPath, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Configuration {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(path, limit: 4 << 20)
        } catch {
            throw ConfigurationError(problems: [
                ConfigProblems.oneLine("\(path): cannot read the configuration file: \(error)")
            ])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigurationError(problems: [ConfigProblems.oneLine("\(path): is not UTF-8 text")])
        }
        return try parse(text: text, path: path, environment: environment)
    }

    /// Validates `text` as if read from `path` (which only names the file in problem lines).
    public static func parse(
        text: String, path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Configuration {
        guard !text.utf8.contains(0) else {
            throw ConfigurationError(problems: [
                ConfigProblems.oneLine("\(path): contains a NUL byte; is it a text file?")
            ])
        }
        if let problem = TOMLHeaderGuard.problem(in: text) {
            throw ConfigurationError(problems: [
                ConfigProblems.oneLine("\(path): line \(problem.line), column \(problem.column): \(problem.message)")
            ])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw ConfigurationError(problems: [
                ConfigProblems.oneLine(
                    "\(path): line \(position.line), column \(position.column): \(error.description)")
            ])
        }

        let problems = ConfigProblems()
        let root = ConfigTableReader(table, keyPath: "", problems: problems)
        var configuration = Configuration()
        if let reader = root.table("mqtt") {
            configuration.mqtt = MQTTSettings(reading: reader, environment: environment)
        }
        if let reader = root.table("cratedb") {
            configuration.cratedb = CrateDBSettings(reading: reader, environment: environment)
        }
        if let reader = root.table("batch") {
            configuration.batch = BatchSettings(reading: reader)
        }
        configuration.spool.fsyncInterval = configuration.batch.maxDelay
        if let reader = root.table("spool") {
            configuration.spool = SpoolSettings(reading: reader, defaultFsyncInterval: configuration.batch.maxDelay)
        }
        if let reader = root.table("log") {
            configuration.log = LogSettings(reading: reader)
        }
        if let reader = root.table("systemd") {
            configuration.systemd = SystemdSettings(reading: reader)
        }
        if let readers = root.tables("route") {
            configuration.routes = readers.map { RouteSettings(reading: $0) }
            // Empty, unless its elements were there and each was already reported as not a table.
            if readers.isEmpty, !problems.entries.contains(where: { $0.key.hasPrefix("route") }) {
                problems.add("route", "is empty; add at least one [[route]] with a topic")
            }
        } else if !root.contains("route") {
            problems.add("route", "missing; add at least one [[route]] with a topic filter and a table")
        }
        root.reportUnknownKeys()
        configuration.checkAcrossSections(problems)

        guard problems.isEmpty else { throw ConfigurationError(problems: problems.lines(path: path)) }
        return configuration
    }

    /// Rules that involve more than one section or route.
    private func checkAcrossSections(_ problems: ConfigProblems) {
        if spool.segmentSize <= mqtt.maxMessageSize {
            problems.add(
                "spool.segment_size",
                "\(ByteSizeText.format(spool.segmentSize)) must be larger than mqtt.max_message_size "
                    + "(\(ByteSizeText.format(mqtt.maxMessageSize))) so that a segment holds the largest message")
        }

        checkOverlappingTopics(problems)
        let deadLetters = CrateDBName.qualified(cratedb.deadLetterTable, schema: cratedb.schema)
        var layoutByTable: [String: (route: Int, layout: String)] = [:]
        for (index, route) in routes.enumerated() {
            let key = "route[\(index + 1)]"
            if let first = routes[..<index].firstIndex(where: { $0.topic == route.topic }), !route.topic.isEmpty {
                problems.add(
                    "\(key).topic",
                    "\(ConfigTOMLWriter.quoted(route.topic)) is also the topic of route[\(first + 1)], which takes "
                        + "every message first")
            }
            let table = CrateDBName.qualified(route.table, schema: cratedb.schema)
            if table == deadLetters {
                problems.add(
                    "\(key).table",
                    "\(ConfigTOMLWriter.quoted(route.table)) is the dead-letter table (cratedb.dead_letter_table)")
            }
            // A table is created with one layout and one set of wildcard columns; rows of another would not fit it
            // (CrateDB's tables are strict: an INSERT naming a column the table lacks fails).
            let captures = (try? RouteTopicValidation.captureNames(of: route.topic).get()) ?? []
            let columns = captures.isEmpty ? "" : " (wildcard columns \(captures.joined(separator: ", ")))"
            let layout =
                !route.usesDefaultLayout
                ? "mapped columns" : (route.format == .blob ? "the blob layout" : "the default layout") + columns
            if let other = layoutByTable[table], other.layout != layout {
                problems.add(
                    "\(key).table",
                    "\(ConfigTOMLWriter.quoted(route.table)) is written by route[\(other.route)] with \(other.layout) "
                        + "and by this route with \(layout); give each its own table")
            }
            if layoutByTable[table] == nil { layoutByTable[table] = (index + 1, layout) }
        }
    }

    /// Two filters that match a common topic, neither covering the other, would both be subscribed, and the
    /// broker delivers such a message once per filter: its rows would be written twice.
    private func checkOverlappingTopics(_ problems: ConfigProblems) {
        let filters = routes.map { try? TopicFilter($0.topic) }
        for (index, filter) in filters.enumerated() {
            guard let filter else { continue }
            for earlier in 0..<index {
                guard let other = filters[earlier], filter.overlaps(other), !filter.covers(other), !other.covers(filter)
                else { continue }
                problems.add(
                    "route[\(index + 1)].topic",
                    "\(ConfigTOMLWriter.quoted(routes[index].topic)) and route[\(earlier + 1)]'s "
                        + "\(ConfigTOMLWriter.quoted(routes[earlier].topic)) match some topics in common and neither "
                        + "covers the other, so the broker would deliver those messages twice; make them disjoint, or "
                        + "widen this one to cover route[\(earlier + 1)]'s (which still takes its messages first)")
                break
            }
        }
    }

    /// The whole effective configuration as TOML that parses back into this one: defaults filled in, password
    /// files shown by path, passwords never.
    public func effectiveDescription() -> String {
        var writer = ConfigTOMLWriter()
        writer.comment("cratefeed's effective configuration: defaults filled in, passwords not shown.")
        mqtt.write(to: &writer)
        cratedb.write(to: &writer)
        spool.write(to: &writer)
        batch.write(to: &writer, servers: cratedb.servers.count)
        log.write(to: &writer)
        systemd.write(to: &writer)
        for route in routes { route.write(to: &writer) }
        return writer.text
    }
}
