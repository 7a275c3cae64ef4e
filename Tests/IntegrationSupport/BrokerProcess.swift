import Foundation

/// A real mosquitto broker on a free port, with persistence in its own temporary directory so a restart
/// keeps persistent sessions and their queued messages. `stop()` ends it; tests call it in `defer`.
public final class BrokerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private var process: ChildProcess?

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// A free port can be taken by another test between choosing and binding it, so a broker that does not
    /// come up is tried again on another port.
    public convenience init() throws {
        var attempt = 1
        while true {
            do {
                try self.init(port: try FreePort.next())
                return
            } catch let error as TestSupportError where attempt < 4 && error.description.contains("did not start") {
                attempt += 1
            }
        }
    }

    private init(port: Int) throws {
        self.port = port
        directory = NSTemporaryDirectory() + "cratefeed-broker-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(directory)/
            autosave_interval 1
            max_queued_messages 1000000
            max_inflight_messages 1000
            log_dest file \(directory)/mosquitto.log
            \(getuid() == 0 ? "user root" : "")
            """
        try config.write(toFile: directory + "/mosquitto.conf", atomically: false, encoding: .utf8)
        try start()
    }

    deinit { stop() }

    public func start() throws {
        process = try ChildProcess("/usr/sbin/mosquitto", ["-c", directory + "/mosquitto.conf"])
        guard FreePort.waitUntilAnswering(port) else {
            stop()
            throw TestSupportError("mosquitto did not start on port \(port)")
        }
    }

    /// Stops the broker with SIGTERM (it saves its persistence file) and waits for it.
    public func stop() {
        process?.stop()
        process = nil
    }

    public func restart() throws {
        stop()
        try start()
    }

    /// Publishes messages with mosquitto_pub reading lines from stdin (one message per line).
    public func publish(topic: String, lines: [String], qos: Int = 1) throws {
        let publisher = try ChildProcess(
            "/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-t", topic, "-q", String(qos), "-l"],
            pipeStdin: true)
        publisher.stdin!.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try publisher.stdin!.close()
        guard publisher.waitForExit(timeout: 120) == 0 else { throw TestSupportError("mosquitto_pub failed on \(topic)") }
    }

    /// Publishes one message with exact bytes (binary payloads) from a file.
    public func publish(topic: String, payload: [UInt8], qos: Int = 1) throws {
        let file = directory + "/payload-\(UUID().uuidString.prefix(8))"
        try Data(payload).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let publisher = try ChildProcess(
            "/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-t", topic, "-q", String(qos), "-f", file])
        guard publisher.waitForExit(timeout: 60) == 0 else { throw TestSupportError("mosquitto_pub failed on \(topic)") }
    }
}
