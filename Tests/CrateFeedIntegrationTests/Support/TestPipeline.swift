import IntegrationSupport
import CrateDB
import Foundation

/// Everything one end-to-end test needs: a mosquitto broker, a CrateDB stand-in (or the real CrateDB named
/// by CRATEDB_URL when the test injects no faults), a working directory, and a config for `cratefeed run`.
final class TestPipeline: @unchecked Sendable {
    let broker: BrokerProcess
    let standIn: StandIn?
    let servers: [String]
    let directory: String
    let connection: Connection
    let suffix = String(UUID().uuidString.prefix(8)).lowercased()
    var daemons: [DaemonProcess] = []

    /// `faults` true forces the stand-in (fault injection needs its control interface).
    init(nodes: Int = 3, faults: Bool = false) throws {
        broker = try BrokerProcess()
        directory = try TemporaryDirectory.make("pipeline")
        if !faults, let real = ProcessInfo.processInfo.environment["CRATEDB_URL"] {
            standIn = nil
            servers = real.split(separator: ",").map(String.init)
        } else {
            let standIn = try StandIn.start(nodes: nodes)
            self.standIn = standIn
            servers = standIn.urls
        }
        var configuration = ConnectionConfiguration(servers: servers)
        configuration.transport.requestTimeout = 10
        connection = try Connection(configuration)
    }

    deinit { stop() }

    func stop() {
        for daemon in daemons { daemon.stop() }
        daemons = []
        connection.close()
        standIn?.stop()
        broker.stop()
        TemporaryDirectory.remove(directory)
        TemporaryDirectory.remove(broker.directory)
    }

    /// Puts every stand-in node in `mode` (an outage: `.refuse`; its end: `.healthy`).
    func setAllNodes(_ mode: StandIn.Mode) async throws {
        guard let standIn else { throw TestSupportError("fault injection needs the stand-in: TestPipeline(faults: true)") }
        for node in 0..<standIn.urls.count { try await standIn.set(node: node, mode) }
    }

    /// A table name unique to this test run.
    func table(_ name: String) -> String { "\(name)_\(suffix)" }

    /// The TOML for `cratefeed run`; `routes` is the `[[route]]` part, `extra` is appended as is.
    func config(routes: String, spool: String? = nil, batch: String = "max_rows = 200\nmax_delay = \"200ms\"",
                clientID: String? = nil, mqttExtra: String = "", cratedbExtra: String = "", spoolExtra: String = "") -> String {
        let serverList = servers.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            [mqtt]
            url = "\(broker.url)"
            client_id = "\(clientID ?? "cratefeed-\(suffix)")"
            qos = 1
            \(mqttExtra)

            [cratedb]
            servers = [\(serverList)]
            timeout = "3s"
            connect_timeout = "2s"
            retry_interval = "1s"
            dead_letter_table = "\(table("dead_letters"))"
            \(cratedbExtra)

            [spool]
            dir = "\(spool ?? directory + "/spool")"
            \(spoolExtra)

            [batch]
            shutdown_timeout = "3s"
            \(batch)

            [systemd]
            status_interval = "500ms"

            [log]
            level = "debug"

            \(routes)
            """
    }

    @discardableResult
    func startDaemon(
        _ config: String, name: String = "daemon", environment: [String: String] = [:], waitReady: Bool = true
    ) throws -> DaemonProcess {
        let dir = directory + "/\(name)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, directory: dir, environment: environment, waitReady: waitReady)
        daemons.append(daemon)
        return daemon
    }

    /// Runs a query after REFRESH, so rows written moments ago are visible.
    func query(_ statement: String, _ arguments: [SQLValue] = [], refresh table: String) async throws -> [[SQLValue]] {
        _ = try? await connection.execute("REFRESH TABLE \(table)")
        return try await connection.execute(statement, arguments).rows
    }

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        do {
            let rows = try await query("SELECT count(*) FROM \(table) WHERE \(condition)", refresh: table)
            return Int(rows.first?.first?.intValue ?? 0)
        } catch let error as CrateDBError
            where error.serverError?.isUnknownRelation == true || error.serverError?.isUnknownColumn == true
        {
            return 0  // no table yet, or no row yet with the object key the condition names
        }
    }

    /// Waits until `count(table)` reaches `expected` (or the deadline); returns the last count.
    @discardableResult
    func waitForCount(_ table: String, _ expected: Int, where condition: String = "true", timeout: Double = 60) async throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var current = 0
        while Date() < deadline {
            current = try await count(table, where: condition)
            if current >= expected { return current }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return current
    }
}
