import IntegrationSupport
import CrateDB
import Foundation
import Testing

/// The transport against real HTTP servers (http_test_server.py) started by each test.
/// Serialized: the memory tests read this process's resident size, which parallel tests would disturb.
@Suite(.serialized)
struct HTTPTransportTests {
    // MARK: Requests and responses

    @Test func sendsMethodHeadersAndBody() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()
        let body = testBytes(1000)

        let response = try await transport.execute(HTTPRequest(
            method: .POST, url: "\(server.url)/echo",
            headers: [("Content-Type", "application/json"), ("Default-Schema", "doc"), ("X-Empty", "")],
            body: .bytes(body)))

        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        let echo = try Echo(response)
        #expect(echo.method == "POST")
        #expect(echo.headers["content-type"] == "application/json")
        #expect(echo.headers["default-schema"] == "doc")
        #expect(echo.headers["x-empty"] == "")
        #expect(echo.headers["expect"] == nil)  // small bodies are sent without waiting for 100 Continue
        #expect(echo.content_encoding == "")
        #expect(echo.body_length == body.count)
        #expect(echo.crc32 == crc32(body))
    }

    @Test(arguments: [HTTPMethod.GET, .PUT, .DELETE, .POST])
    func sendsEachMethod(_ method: HTTPMethod) async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.execute(HTTPRequest(method: method, url: "\(server.url)/echo"))

        let echo = try Echo(response)
        #expect(echo.method == method.rawValue)
        #expect(echo.body_length == 0)
        #expect(echo.headers["content-type"] == nil)  // not libcurl's form-urlencoded default for POST
    }

    @Test func headReturnsTheHeadOnly() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.execute(HTTPRequest(method: .HEAD, url: "\(server.url)/bytes?n=10"))

        #expect(response.status == 200)
        #expect(response.header("content-length") == "10")
        #expect(response.body.isEmpty)
    }

    @Test func anHTTPErrorStatusIsAResponse() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/status?code=503"))

        #expect(response.status == 503)
        #expect(response.body == Array("status body\n".utf8))
    }

    // MARK: Connections

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        var connections: Set<String> = []
        for _ in 0..<5 {
            let response = try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/echo"))
            connections.insert(try #require(response.header("x-connection-id")))
        }

        #expect(connections.count == 1)
    }

    @Test func twentyRequestsAreInFlightAtOnce() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(maxConnectionsPerHost: 20))

        // The server holds every /barrier request until 20 are held at once (504 after 10 s otherwise).
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/barrier?n=20")).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        #expect(statuses == Array(repeating: 200, count: 20))
    }

    @Test func connectionsPerHostAreLimited() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(maxConnectionsPerHost: 2))

        let connections = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    let response = try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/echo"))
                    return response.header("x-connection-id") ?? ""
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }

        #expect(connections.count <= 2)
    }

    // MARK: gzip request bodies

    @Test func bodiesFromTheThresholdOnAreGzipped() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()  // threshold 8192
        let large = testBytes(8192)

        let echo = try Echo(await transport.execute(HTTPRequest(method: .POST, url: "\(server.url)/echo", body: .bytes(large))))

        #expect(echo.content_encoding == "gzip")
        #expect(echo.wire_length < large.count)
        #expect(echo.body_length == large.count)
        #expect(echo.crc32 == crc32(large))
    }

    @Test func bodiesBelowTheThresholdOrWithoutOneAreNotGzipped() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let small = testBytes(8191)
        let large = testBytes(100_000)

        let withThreshold = try HTTPTransport()
        let belowEcho = try Echo(await withThreshold.execute(HTTPRequest(method: .POST, url: "\(server.url)/echo", body: .bytes(small))))
        let never = try HTTPTransport(configuration: TransportConfiguration(gzipThreshold: nil))
        let neverEcho = try Echo(await never.execute(HTTPRequest(method: .POST, url: "\(server.url)/echo", body: .bytes(large))))

        #expect(belowEcho.content_encoding == "")
        #expect(belowEcho.wire_length == small.count)
        #expect(neverEcho.content_encoding == "")
        #expect(neverEcho.wire_length == large.count)
        #expect(neverEcho.crc32 == crc32(large))
    }

    // MARK: Failures

    @Test func aRequestThatGetsNoAnswerTimesOut() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(requestTimeout: 0.5))
        let started = ContinuousClock.now

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/hang")) }

        #expect((error as? TransportError)?.kind == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aRequestsOwnTimeoutReplacesTheTransports() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(requestTimeout: 600))
        let started = ContinuousClock.now

        let error = await failure {
            try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/hang", timeout: 0.5))
        }

        // Cut long before the transport's 600 s (the margin is for a loaded machine, not a measurement).
        #expect((error as? TransportError)?.kind == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(300))
    }

    /// Without a whole-request limit a request is cut off only once nothing moves for the stall timeout.
    @Test func aRequestWithoutALimitIsCutOffWhenItStalls() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(requestTimeout: 0.2, stallTimeout: 600))
        let started = ContinuousClock.now

        let error = await failure {
            try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/hang", timeout: 0, stallTimeout: 1))
        }

        #expect((error as? TransportError)?.kind == .timedOut)
        let elapsed = ContinuousClock.now - started
        // Not cut at the transport's 0.2 s, nor left to its 600 s stall limit.
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(300), "\(elapsed)")
    }

    @Test func aClosedPortIsAConnectFailure() async throws {
        let server = try TestHTTPServer()
        server.stop()  // its port is now free and refuses connections
        let transport = try HTTPTransport()

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/echo")) }

        let transportError = try #require(error as? TransportError)
        #expect(transportError.kind == .connectFailed)
        #expect(transportError.description == "connection refused (\(server.url))")
    }

    @Test func anUnknownHostIsAConnectFailure() async throws {
        let transport = try HTTPTransport()

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "http://no-such-host.invalid:4200/")) }

        #expect((error as? TransportError)?.kind == .connectFailed)
    }

    @Test func aConnectionClosedBeforeAnyAnswerIsReported() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/empty")) }

        #expect((error as? TransportError)?.kind == .connectionClosed)
    }

    /// The server had answered, so it had the request: the error says so, for callers that must not resend.
    @Test func aBodyCutAfterTheHeadIsAnInterruptedResponse() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/close-mid")) }

        guard case .responseInterrupted(let status, let cause)? = error as? TransportError else {
            Issue.record("expected responseInterrupted, got \(String(describing: error))")
            return
        }
        #expect(status == 200)
        #expect(cause.kind == .connectionClosed)
        #expect(!"\(cause)".contains("\n"))
    }

    @Test func aMissingUploadFileIsAFileError() async throws {
        let transport = try HTTPTransport()
        let path = temporaryPath("missing")

        let error = await failure {
            try await transport.execute(HTTPRequest(method: .PUT, url: "http://127.0.0.1:9/", body: .file(path: path)))
        }

        guard case .file(let failedPath, _)? = error as? TransportError else {
            Issue.record("expected a file error, got \(String(describing: error))")
            return
        }
        #expect(failedPath == path)
    }

    @Test func aHeaderWithALineBreakIsRefused() async throws {
        let transport = try HTTPTransport()

        let error = await failure {
            try await transport.execute(HTTPRequest(
                method: .GET, url: "http://127.0.0.1:9/", headers: [("Default-Schema", "doc\r\nX-Injected: 1")]))
        }

        #expect((error as? TransportError)?.kind == .other)
    }

    @Test func cancellingTheTaskAbortsTheRequest() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()
        let hang = HTTPRequest(method: .GET, url: "\(server.url)/hang")

        let cancelledAtOnce = Task { try await transport.execute(hang) }
        cancelledAtOnce.cancel()
        let cancelledInFlight = Task { try await transport.execute(hang) }
        try await server.waitForHangingRequest(using: transport)
        cancelledInFlight.cancel()

        #expect(await failure { try await cancelledAtOnce.value } is CancellationError)
        #expect(await failure { try await cancelledInFlight.value } is CancellationError)
    }

    @Test func shutdownFailsRequestsInFlightAndLaterOnes() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let inFlight = Task { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/hang")) }
        try await server.waitForHangingRequest(using: transport)
        transport.shutdown()
        transport.shutdown()  // idempotent
        let inFlightError = await failure { try await inFlight.value }
        let laterError = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/echo")) }

        #expect((inFlightError as? TransportError)?.kind == .connectionClosed)
        #expect((laterError as? TransportError)?.kind == .connectionClosed)
    }

    // MARK: Redirects (CrateDB's blob 307 to another node)

    @Test func aRedirectedFileUploadKeepsMethodAuthorizationAndBody() async throws {
        let (first, second) = (try TestHTTPServer(), try TestHTTPServer())
        defer { first.stop(); second.stop() }
        let transport = try HTTPTransport()
        let path = temporaryPath("upload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let crc = try writeTestFile(path, size: 300_000)

        // The first server answers 307 at once, without inviting the body: no byte of it is sent there.
        let response = try await transport.execute(HTTPRequest(
            method: .PUT, url: "\(first.url)/redirect?to=\(second.url)/echo",
            headers: [("Authorization", "Basic Y3JhdGU6")], body: .file(path: path), followRedirects: true))

        let echo = try Echo(response)
        #expect(echo.method == "PUT")
        #expect(echo.headers["authorization"] == "Basic Y3JhdGU6")
        #expect(echo.headers["expect"] == "100-continue")
        #expect(echo.body_length == 300_000)
        #expect(echo.crc32 == crc)
    }

    @Test func aRedirectAfterTheBodyWasSentRewindsAndResendsIt() async throws {
        let (first, second) = (try TestHTTPServer(), try TestHTTPServer())
        defer { first.stop(); second.stop() }
        let transport = try HTTPTransport()
        let path = temporaryPath("upload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fileCRC = try writeTestFile(path, size: 300_000)
        let bytes = testBytes(1000)

        // consume=1: the first server reads the whole body before its 307, so the file must be rewound.
        let fileEcho = try Echo(await transport.execute(HTTPRequest(
            method: .PUT, url: "\(first.url)/redirect?consume=1&to=\(second.url)/echo",
            headers: [("Authorization", "Basic Y3JhdGU6")], body: .file(path: path), followRedirects: true)))
        let bytesEcho = try Echo(await transport.execute(HTTPRequest(
            method: .POST, url: "\(first.url)/redirect?to=\(second.url)/echo",
            headers: [("Authorization", "Basic Y3JhdGU6")], body: .bytes(bytes), followRedirects: true)))

        #expect(fileEcho.headers["authorization"] == "Basic Y3JhdGU6")
        #expect(fileEcho.body_length == 300_000)
        #expect(fileEcho.crc32 == fileCRC)
        #expect(bytesEcho.method == "POST")
        #expect(bytesEcho.headers["authorization"] == "Basic Y3JhdGU6")
        #expect(bytesEcho.crc32 == crc32(bytes))
    }

    @Test func redirectsAreNotFollowedUnlessAsked() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/redirect?to=/echo"))

        #expect(response.status == 307)
        #expect(response.header("location") == "/echo")
    }

    // MARK: TLS

    @Test func httpsWithTheRightCASucceedsAndWithAWrongOneFails() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let server = try TestHTTPServer(arguments: ["--cert", certificates.serverCert, "--key", certificates.serverKey])
        defer { server.stop() }
        let request = HTTPRequest(method: .GET, url: "\(server.url)/echo")

        let trusting = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(caCertPath: certificates.caCert)))
        let wrongCA = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(caCertPath: certificates.otherCACert)))
        let systemStore = try HTTPTransport()
        let unverified = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(verifyPeer: false)))

        #expect(server.url.hasPrefix("https://"))
        #expect(try await trusting.execute(request).status == 200)
        #expect((await failure { try await wrongCA.execute(request) } as? TransportError)?.kind == .tls)
        #expect((await failure { try await systemStore.execute(request) } as? TransportError)?.kind == .tls)
        #expect(try await unverified.execute(request).status == 200)
    }

    @Test func theCertificateMustNameTheHost() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let server = try TestHTTPServer(arguments: ["--cert", certificates.serverCert, "--key", certificates.serverKey])
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(caCertPath: certificates.caCert)))

        // The certificate names IP 127.0.0.1 only; "localhost" reaches the same server under another name.
        let error = await failure { try await transport.execute(HTTPRequest(method: .GET, url: "https://localhost:\(server.port)/echo")) }

        #expect((error as? TransportError)?.kind == .tls)
    }

    @Test func aClientCertificateIsPresented() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let server = try TestHTTPServer(arguments: [
            "--cert", certificates.serverCert, "--key", certificates.serverKey, "--client-ca", certificates.caCert,
        ])
        defer { server.stop() }
        let request = HTTPRequest(method: .GET, url: "\(server.url)/echo")

        let withCertificate = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(
            caCertPath: certificates.caCert, clientCertPath: certificates.clientCert, clientKeyPath: certificates.clientKey)))
        let withUnusableKey = try HTTPTransport(configuration: TransportConfiguration(tls: TLSConfiguration(
            caCertPath: certificates.caCert, clientCertPath: certificates.clientCert, clientKeyPath: certificates.caCert)))

        #expect(try await withCertificate.execute(request).status == 200)
        #expect((await failure { try await withUnusableKey.execute(request) } as? TransportError)?.kind == .tls)
    }

    // MARK: Streaming and large bodies

    @Test func aStreamedBodyArrivesInChunksOfAtMostChunkSize() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.stream(HTTPRequest(method: .GET, url: "\(server.url)/bytes?n=1000000"), chunkSize: 10_000)
        var total = 0
        var crc: UInt32 = 0
        var largestChunk = 0
        for try await chunk in response.body {
            total += chunk.count
            crc = crc32(chunk, continuing: crc)
            largestChunk = max(largestChunk, chunk.count)
        }

        #expect(response.status == 200)
        #expect(total == 1_000_000)
        #expect(String(crc) == response.header("x-crc32"))
        #expect(largestChunk <= 10_000)
    }

    @Test func aStreamFollowsRedirectsAndReturnsTheFinalHead() async throws {
        let (first, second) = (try TestHTTPServer(), try TestHTTPServer())
        defer { first.stop(); second.stop() }
        let transport = try HTTPTransport()

        let response = try await transport.stream(HTTPRequest(
            method: .GET, url: "\(first.url)/redirect?to=\(second.url)/bytes?n=1000", followRedirects: true))
        var body: [UInt8] = []
        for try await chunk in response.body { body += chunk }

        #expect(response.status == 200)
        #expect(response.header("x-crc32") == String(crc32(body)))
        #expect(body.count == 1000)
    }

    @Test func cancellingAStreamWaitingForItsHeadAbortsIt() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        let task = Task { try await transport.stream(HTTPRequest(method: .GET, url: "\(server.url)/hang")) }
        try await server.waitForHangingRequest(using: transport)
        task.cancel()

        #expect(await failure { try await task.value } is CancellationError)
    }

    @Test func abandoningAStreamAbortsTheTransfer() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport()

        do {
            let response = try await transport.stream(HTTPRequest(method: .GET, url: "\(server.url)/bytes?n=200000000"))
            for try await _ in response.body { break }
        }
        // Waits (up to 10 s) until the server's write to the abandoned connection failed.
        let aborted = try await transport.execute(HTTPRequest(method: .GET, url: "\(server.url)/bytes-aborted?timeout=10"))

        #expect(aborted.status == 200)
    }

    @Test func a200MBDownloadStreamsInFlatMemory() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(requestTimeout: 0))
        let size = 200_000_000
        let before = residentKiB()

        let response = try await transport.stream(HTTPRequest(method: .GET, url: "\(server.url)/bytes?n=\(size)"))
        var total = 0
        var crc: UInt32 = 0
        var peak = before
        for try await chunk in response.body {
            total += chunk.count
            crc = crc32(chunk, continuing: crc)
            if total % (4 << 20) < chunk.count { peak = max(peak, residentKiB()) }
        }
        peak = max(peak, residentKiB())

        #expect(total == size)
        #expect(String(crc) == response.header("x-crc32"))
        #expect(peak - before < 60 * 1024, "resident memory grew by \(peak - before) KiB")
    }

    @Test func a200MBFileUploadStreamsInFlatMemory() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let transport = try HTTPTransport(configuration: TransportConfiguration(requestTimeout: 0))
        let size = 200_000_000
        let path = temporaryPath("upload")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let crc = try writeTestFile(path, size: size)
        let before = residentKiB()

        // A child task samples the resident size while the upload runs (a measurement, not a synchronisation).
        let (response, peak) = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var peak = before
                while !Task.isCancelled {
                    peak = max(peak, residentKiB())
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return max(peak, residentKiB())
            }
            let response = try await transport.execute(HTTPRequest(method: .PUT, url: "\(server.url)/echo", body: .file(path: path)))
            group.cancelAll()
            return (response, try await group.next() ?? before)
        }
        let echo = try Echo(response)

        #expect(echo.body_length == size)
        #expect(echo.crc32 == crc)
        #expect(peak - before < 60 * 1024, "resident memory grew by \(peak - before) KiB")
    }
}
