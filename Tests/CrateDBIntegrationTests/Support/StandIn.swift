import CrateDB
import Foundation

/// The CrateDB stand-in (`scripts/cratedb-standin`) run by a test: N nodes on free ports over a temporary
/// data directory, with its control interface for fault injection. `stop()` ends it; tests call it in `defer`.
final class StandIn: @unchecked Sendable {
    let urls: [String]
    let controlURL: String
    let dataDir: String
    private let process: Process
    private let control: HTTPTransport

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Starts the stand-in and waits until it has printed every node URL and its control URL.
    static func start(nodes: Int = 3, arguments: [String] = [], dataDir: String? = nil) throws -> StandIn {
        let directory = try dataDir ?? TemporaryDirectory.make("standin")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [ProcessInfo.processInfo.environment["STANDIN_PYTHON"] ?? "python3",
             repositoryRoot + "/scripts/cratedb-standin", "--nodes", String(nodes), "--port", "0",
             "--data-dir", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()

        var lines: [String] = []
        let reader = LineReader(output.fileHandleForReading)
        while let line = reader.nextLine(timeout: 60) {
            lines.append(line)
            if line.hasPrefix("control ") { break }
        }
        guard let controlLine = lines.last, controlLine.hasPrefix("control ") else {
            process.terminate()
            throw StandInError("the stand-in did not start; it printed: \(lines)")
        }
        return StandIn(
            urls: lines.dropLast().filter { $0.hasPrefix("http") }, controlURL: String(controlLine.dropFirst(8)),
            dataDir: directory, process: process)
    }

    private init(urls: [String], controlURL: String, dataDir: String, process: Process) {
        self.urls = urls
        self.controlURL = controlURL
        self.dataDir = dataDir
        self.process = process
        control = try! HTTPTransport(configuration: TransportConfiguration())
    }

    deinit { stop() }

    /// Stops the stand-in (SIGTERM, then SIGKILL if it does not exit) and waits for it.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    enum Mode: String {
        case healthy, refuse, unavailable, hang, drop, slow, redirect
    }

    /// Puts one node into a fault mode (or back to healthy).
    func set(node: Int, _ mode: Mode, delay: Double? = nil) async throws {
        var body: SQLValue = ["mode": .text(mode.rawValue)]
        if let delay { body = ["mode": .text(mode.rawValue), "delay": .double(delay)] }
        let response = try await control.execute(
            HTTPRequest(
                method: .POST, url: "\(controlURL)/nodes/\(node)/mode", headers: [("Content-Type", "application/json")],
                body: .bytes(Array(JSONWriter.string(body).utf8))))
        guard response.status == 200 else { throw StandInError("control answered \(response.status) to \(mode)") }
    }

    /// The per-node counters: `counters()[i]["requests"]`.
    func counters() async throws -> [SQLValue] {
        let response = try await control.execute(HTTPRequest(method: .GET, url: "\(controlURL)/counters"))
        let json = try JSONParser.parse(response.body)
        return json["nodes"]?.arrayValue ?? json.arrayValue ?? []
    }

    func requests(node: Int) async throws -> Int64 {
        try await counters()[node]["requests"]?.intValue ?? 0
    }
}

struct StandInError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads lines from a pipe with a deadline, so a stand-in that never starts fails the test instead of hanging it.
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func nextLine(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return nil }
            var poller = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(handle.fileDescriptor, &chunk, chunk.count)
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}

enum TemporaryDirectory {
    static func make(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "cratefeed-\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
