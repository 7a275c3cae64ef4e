import IntegrationSupport
import CrateDB
import Foundation

/// Where a test that needs no fault injection finds CrateDB: the real cluster named by `CRATEDB_URL`
/// (comma-separated URLs; `CRATEDB_USER` and `CRATEDB_PASSWORD` when it needs them), or a fresh stand-in.
struct TestCluster {
    let servers: [String]
    let username: String?
    let password: String?
    let standIn: StandIn?

    static var realServers: [String]? {
        ProcessInfo.processInfo.environment["CRATEDB_URL"].map { $0.split(separator: ",").map(String.init) }
    }

    static func start(nodes: Int = 3) throws -> TestCluster {
        let environment = ProcessInfo.processInfo.environment
        if let servers = realServers {
            return TestCluster(
                servers: servers, username: environment["CRATEDB_USER"], password: environment["CRATEDB_PASSWORD"],
                standIn: nil)
        }
        let standIn = try StandIn.start(nodes: nodes)
        return TestCluster(servers: standIn.urls, username: nil, password: nil, standIn: standIn)
    }

    func connect(_ adjust: (inout ConnectionConfiguration) -> Void = { _ in }) throws -> Connection {
        var configuration = ConnectionConfiguration(servers: servers)
        configuration.username = username
        configuration.password = password
        adjust(&configuration)
        return try Connection(configuration)
    }

    func stop() {
        standIn?.stop()
    }

    /// A table name no other test (or earlier run against a shared cluster) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
