import IntegrationSupport
import CrateDB
import Foundation
import Testing

/// What a `Connection` does with a node that answers "not now" (502, 503, 504, 509), with an error status that
/// is an answer, and with a node that cannot even be connected to.
@Suite struct UnavailableNodeTests {
    private func delta(_ before: [SQLValue], _ after: [SQLValue], node: Int) -> Int64 {
        (after[node]["requests"]?.intValue ?? 0) - (before[node]["requests"]?.intValue ?? 0)
    }

    @Test(arguments: [502, 503, 504, 509])
    func aNodeAnsweringUnavailableIsSetAsideAndTheRequestMovesOn(_ status: Int) async throws {
        let standIn = try StandIn.start(nodes: 3)
        defer { standIn.stop() }
        try await standIn.set(node: 0, answering: status)
        let before = try await standIn.counters()
        // A new connection sends its first request to node 0.
        let connection = try Connection(servers: standIn.urls)
        defer { connection.close() }

        let result = try await connection.execute("SELECT 1")

        #expect(result.rows == [[1]])
        #expect(connection.servers.map(\.isActive) == [false, true, true])
        #expect(connection.servers[0].lastFailure?.contains("HTTP \(status)") == true)
        let after = try await standIn.counters()
        #expect(delta(before, after, node: 1) == 1 && delta(before, after, node: 2) == 0)
    }

    @Test func anotherErrorStatusIsTheAnswerAndGoesNowhereElse() async throws {
        let standIn = try StandIn.start(nodes: 3)
        defer { standIn.stop() }
        try await standIn.set(node: 0, answering: 500)
        let before = try await standIn.counters()
        let connection = try Connection(servers: standIn.urls)
        defer { connection.close() }

        do {
            try await connection.execute("SELECT 1")
            Issue.record("a 500 must be an error")
        } catch CrateDBError.server(let error) {
            #expect(error.status == 500)
            #expect(!error.message.contains("\n"))
        }

        #expect(connection.servers.allSatisfy { $0.isActive })
        let after = try await standIn.counters()
        #expect(delta(before, after, node: 1) == 0 && delta(before, after, node: 2) == 0)
    }

    @Test func aConnectTimeoutEndsAnAttemptLongBeforeTheRequestTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(connectTimeout: 0.5, requestTimeout: 120))

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: silent.url + "/")) }

        // libcurl names the phase: "Connection timed out after 500 milliseconds", not the whole request's
        // "Operation timed out" (no clock here: under the parallel suite a resumed task can wait for a thread).
        #expect((error as? TransportError)?.kind == .timedOut, "\(String(describing: error))")
        #expect("\(String(describing: error))".lowercased().contains("connect"))
    }

    @Test func aServerThatNeverAcceptsIsSetAsideAfterTheConnectTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let standIn = try StandIn.start(nodes: 1)
        defer { standIn.stop() }
        var configuration = ConnectionConfiguration(servers: [silent.url] + standIn.urls)
        configuration.transport.connectTimeout = 0.5
        configuration.transport.requestTimeout = 120
        let connection = try Connection(configuration)
        defer { connection.close() }

        let result = try await connection.execute("SELECT 1")

        #expect(result.rows == [[1]])
        #expect(connection.servers.map(\.isActive) == [false, true])
        #expect(connection.servers[0].lastFailure?.lowercased().contains("timeout") == true, "\(connection.servers[0])")
    }
}
