import CrateDB
import Foundation

/// A running `http_test_server.py`, started for one test. Its URL is known once the server has printed it,
/// so it is listening before any request is sent. Call `stop()` when done; the server also exits on its
/// own when this process ends (it watches its stdin).
/// `@unchecked Sendable`: `url` never changes, and only the test that made it calls `stop()`.
final class TestHTTPServer: @unchecked Sendable {
    /// `http://127.0.0.1:<port>` (or https).
    let url: String
    private let process = Process()
    private let stdin = Pipe()

    init(arguments: [String] = []) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("http_test_server.py")
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()

        var output = Data()
        while !output.contains(UInt8(ascii: "\n")) {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { throw TestServerError.exitedBeforeListening(arguments) }
            output.append(data)
        }
        let line = String(decoding: output, as: UTF8.self).split(separator: "\n")[0]
        guard line.hasPrefix("URL ") else { throw TestServerError.unexpectedOutput(String(line)) }
        url = String(line.dropFirst(4))
    }

    /// The port, e.g. to send to a host name instead of 127.0.0.1.
    var port: Int { Int(url.split(separator: ":").last!)! }

    /// Waits (up to 10 s) until the server has received a /hang request, so that request is surely in flight.
    func waitForHangingRequest(using transport: HTTPTransport) async throws {
        let response = try await transport.execute(HTTPRequest(method: .GET, url: "\(url)/hang-arrived?timeout=10"))
        guard response.status == 200 else { throw TestServerError.unexpectedOutput("no /hang request arrived") }
    }

    func stop() {
        guard process.isRunning else { return }
        try? stdin.fileHandleForWriting.close()  // the server exits at the end of its stdin
        process.terminate()
        process.waitUntilExit()
    }
}

enum TestServerError: Error {
    case exitedBeforeListening([String])
    case unexpectedOutput(String)
}
