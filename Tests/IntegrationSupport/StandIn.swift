import CrateDB
import Foundation

/// The CrateDB stand-in (`scripts/cratedb-standin`) run by a test: N nodes on free ports over a temporary
/// data directory, with its control interface for fault injection. `stop()` ends it; tests call it in `defer`.
public final class StandIn: @unchecked Sendable {
    public let urls: [String]
    public let controlURL: String
    public let dataDir: String
    private let process: ChildProcess
    /// A data directory the stand-in made itself is removed when it stops.
    private let ownsDataDir: Bool
    private let control: HTTPTransport

    public static var repositoryRoot: String {
        // This file is Tests/IntegrationSupport/StandIn.swift.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Starts the stand-in and waits until it has printed every node URL and its control URL.
    public static func start(nodes: Int = 3, arguments: [String] = [], dataDir: String? = nil) throws -> StandIn {
        let directory = try dataDir ?? TemporaryDirectory.make("standin")
        let owned = dataDir == nil
        let python = ProcessInfo.processInfo.environment["STANDIN_PYTHON"] ?? "python3"
        // The stand-in's log goes to a file beside its data, not into the test output.
        let process = try ChildProcess(
            "/usr/bin/env",
            [python, repositoryRoot + "/scripts/cratedb-standin", "--nodes", String(nodes), "--port", "0",
             "--data-dir", directory] + arguments,
            output: directory + ".log", pipeStdout: true)

        var lines: [String] = []
        let reader = LineReader(process.stdout!)
        while let line = reader.nextLine(timeout: 60) {
            lines.append(line)
            if line.hasPrefix("control ") { break }
        }
        guard let controlLine = lines.last, controlLine.hasPrefix("control ") else {
            process.stop()
            throw StandInError("the stand-in did not start; it printed: \(lines)")
        }
        return StandIn(
            urls: lines.dropLast().filter { $0.hasPrefix("http") }, controlURL: String(controlLine.dropFirst(8)),
            dataDir: directory, ownsDataDir: owned, process: process)
    }

    private init(urls: [String], controlURL: String, dataDir: String, ownsDataDir: Bool, process: ChildProcess) {
        self.ownsDataDir = ownsDataDir
        self.urls = urls
        self.controlURL = controlURL
        self.dataDir = dataDir
        self.process = process
        control = try! HTTPTransport(configuration: TransportConfiguration())
    }

    deinit { stop() }

    /// Stops the stand-in (SIGTERM, then SIGKILL if it does not exit) and waits for it.
    public func stop() {
        process.stop(timeout: 10)
        if ownsDataDir {
            TemporaryDirectory.remove(dataDir)
            TemporaryDirectory.remove(dataDir + ".log")
        }
    }

    public enum Mode: String {
        case healthy, refuse, unavailable, hang, drop, slow, redirect
    }

    /// Puts one node into a fault mode (or back to healthy).
    public func set(node: Int, _ mode: Mode, delay: Double? = nil) async throws {
        var body: SQLValue = ["mode": .text(mode.rawValue)]
        if let delay { body = ["mode": .text(mode.rawValue), "delay": .double(delay)] }
        try await setMode(node: node, body, describing: mode.rawValue)
    }

    /// Makes one node answer every request with `status` (502, 504, 509: what a proxy in front of it sends).
    public func set(node: Int, answering status: Int) async throws {
        try await setMode(node: node, ["mode": "status", "status": .int(Int64(status))], describing: "status \(status)")
    }

    private func setMode(node: Int, _ body: SQLValue, describing what: String) async throws {
        let response = try await control.execute(
            HTTPRequest(
                method: .POST, url: "\(controlURL)/nodes/\(node)/mode", headers: [("Content-Type", "application/json")],
                body: .bytes(Array(JSONWriter.string(body).utf8))))
        guard response.status == 200 else { throw StandInError("control answered \(response.status) to \(what)") }
    }

    /// The per-node counters: `counters()[i]["requests"]`.
    public func counters() async throws -> [SQLValue] {
        let response = try await control.execute(HTTPRequest(method: .GET, url: "\(controlURL)/counters"))
        let json = try JSONParser.parse(response.body)
        return json["nodes"]?.arrayValue ?? json.arrayValue ?? []
    }

    public func requests(node: Int) async throws -> Int64 {
        try await counters()[node]["requests"]?.intValue ?? 0
    }
}

public struct StandInError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads lines from a pipe with a deadline, so a stand-in that never starts fails the test instead of hanging it.
public final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    public init(_ handle: FileHandle) {
        self.handle = handle
    }

    public func nextLine(timeout: Double) -> String? {
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

public enum TemporaryDirectory {
    public static func make(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "cratefeed-\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Deletes what a test made, unless TEST_KEEP=1 asks to keep it (configs, logs, spools) for a look after a failure.
    public static func remove(_ path: String) {
        guard ProcessInfo.processInfo.environment["TEST_KEEP"] != "1" else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
