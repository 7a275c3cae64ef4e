import Foundation

/// A running `http_test_server.py`, started for one test. Its URL is known once the server has printed it,
/// so it is listening before any request is sent. Call `stop()` when done; the server also exits on its
/// own when this process ends (it watches its stdin).
final class TestHTTPServer {
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

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

enum TestServerError: Error {
    case exitedBeforeListening([String])
    case unexpectedOutput(String)
}
