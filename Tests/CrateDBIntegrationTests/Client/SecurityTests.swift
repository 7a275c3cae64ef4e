import IntegrationSupport
import CrateDB
import Foundation
import Testing

/// HTTPS with a CA made by the test, and Basic authentication.
@Suite struct SecurityTests {
    @Test func httpsWithTheTestCAIsVerifiedAndAWrongCAIsRejected() async throws {
        let ca = try TestCertificates()
        defer { ca.remove() }
        let standIn = try StandIn.start(nodes: 1, arguments: ["--tls-cert", ca.serverCert, "--tls-key", ca.serverKey])
        defer { standIn.stop() }
        #expect(standIn.urls.allSatisfy { $0.hasPrefix("https://") })

        var configuration = ConnectionConfiguration(servers: standIn.urls)
        configuration.transport.tls.caCertPath = ca.caCert
        let trusted = try Connection(configuration)
        defer { trusted.close() }
        #expect(try await trusted.execute("SELECT 1").rows == [[1]])

        configuration.transport.tls.caCertPath = ca.otherCACert
        let untrusted = try Connection(configuration)
        defer { untrusted.close() }
        do {
            try await untrusted.execute("SELECT 1")
            Issue.record("a server certificate from another CA must be rejected")
        } catch CrateDBError.noServerAvailable(let failures) {
            #expect(failures.count == 1)
            #expect(failures[0].reason.lowercased().contains("certificate") || failures[0].reason.lowercased().contains("tls"))
        }

        configuration.transport.tls.verifyPeer = false
        let unverified = try Connection(configuration)
        defer { unverified.close() }
        #expect(try await unverified.execute("SELECT 1").rows == [[1]])
    }

    @Test func basicAuthentication() async throws {
        let standIn = try StandIn.start(nodes: 1, arguments: ["--user", "alice:secret"])
        defer { standIn.stop() }
        let good = try Connection(servers: standIn.urls, username: "alice", password: "secret")
        defer { good.close() }
        #expect(try await good.execute("SELECT 1").rows == [[1]])

        let bad = try Connection(servers: standIn.urls, username: "alice", password: "wrong")
        defer { bad.close() }
        await #expect {
            try await bad.execute("SELECT 1")
        } throws: { error in
            (error as? CrateDBError)?.serverError?.isAuthenticationFailure ?? false
        }
        // A 401 is an answer, not a node failure: the server stays active.
        #expect(bad.servers.allSatisfy { $0.isActive })
    }
}
