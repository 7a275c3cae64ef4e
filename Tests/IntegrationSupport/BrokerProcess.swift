import Foundation

/// A real mosquitto broker on a free port, with its config, log and persistence in its own temporary directory,
/// optionally with a password file or a TLS listener. A restart keeps persistent sessions and their queued
/// messages; `stop()` ends it (SIGTERM: it saves its persistence file) and `remove()` also deletes the directory.
public final class BrokerProcess: @unchecked Sendable {
    public struct Options {
        /// user name -> password, written with `mosquitto_passwd -b`; anonymous clients are refused then.
        public var users: [String: String]
        /// Serve TLS with this server certificate (signed by its CA).
        public var tls: TestCertificates?
        /// With `tls`: clients must present a certificate signed by the test CA.
        public var requireClientCertificate: Bool

        public init(users: [String: String] = [:], tls: TestCertificates? = nil, requireClientCertificate: Bool = false) {
            self.users = users
            self.tls = tls
            self.requireClientCertificate = requireClientCertificate
        }
    }

    public let port: Int
    public let directory: String
    private var process: ChildProcess?

    public var host: String { "127.0.0.1" }
    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// A free port can be taken by another test between choosing and binding it, so a broker that does not
    /// come up is tried again on another port.
    public convenience init(_ options: Options = Options()) throws {
        var attempt = 1
        while true {
            do {
                try self.init(options, port: try FreePort.next())
                return
            } catch let error as TestSupportError where attempt < 4 && error.description.contains("did not start") {
                attempt += 1
            }
        }
    }

    private init(_ options: Options, port: Int) throws {
        self.port = port
        directory = NSTemporaryDirectory() + "cratefeed-broker-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = [
            "listener \(port) 127.0.0.1",
            "persistence true",
            "persistence_location \(directory)/",
            "autosave_interval 1",
            // Queue everything for absent persistent sessions (the default of 1000 would drop test messages).
            "max_queued_messages 0",
            "max_inflight_messages 1000",
            "log_dest file \(directory)/mosquitto.log",
            "log_type all",
        ]
        // Run as root, mosquitto would drop to the `mosquitto` user, which cannot write this directory.
        if getuid() == 0 { config.append("user root") }
        if options.users.isEmpty {
            config.append("allow_anonymous true")
        } else {
            let passwords = directory + "/passwords"
            for (user, password) in options.users {
                let create = FileManager.default.fileExists(atPath: passwords) ? [] : ["-c"]
                try Self.run("/usr/bin/mosquitto_passwd", create + ["-b", passwords, user, password])
            }
            config += ["allow_anonymous false", "password_file \(passwords)"]
        }
        if let tls = options.tls {
            config += ["cafile \(tls.caCert)", "certfile \(tls.serverCert)", "keyfile \(tls.serverKey)"]
            if options.requireClientCertificate { config.append("require_certificate true") }
        }
        try config.joined(separator: "\n").appending("\n").write(
            toFile: directory + "/mosquitto.conf", atomically: false, encoding: .utf8)
        try start()
    }

    deinit { stop() }

    public func start() throws {
        process = try ChildProcess("/usr/sbin/mosquitto", ["-c", directory + "/mosquitto.conf"])
        guard FreePort.waitUntilAnswering(port) else {
            stop()
            throw TestSupportError("mosquitto did not start on port \(port); its log:\n\(log.suffix(2000))")
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

    /// Stops the broker and deletes its directory.
    public func remove() {
        stop()
        TemporaryDirectory.remove(directory)
    }

    public var log: String {
        (try? String(contentsOfFile: directory + "/mosquitto.log", encoding: .utf8)) ?? ""
    }

    /// Publishes messages with mosquitto_pub reading lines from stdin (one message per line).
    public func publish(topic: String, lines: [String], qos: Int = 1) throws {
        let publisher = try ChildProcess(
            "/usr/bin/mosquitto_pub", ["-h", host, "-p", String(port), "-t", topic, "-q", String(qos), "-l"],
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
            "/usr/bin/mosquitto_pub", ["-h", host, "-p", String(port), "-t", topic, "-q", String(qos), "-f", file])
        guard publisher.waitForExit(timeout: 60) == 0 else { throw TestSupportError("mosquitto_pub failed on \(topic)") }
    }

    /// Runs one of mosquitto's tools (mosquitto_passwd, mosquitto_pub with options the helpers above lack) and
    /// waits for it; a non-zero exit is an error.
    public static func run(_ executable: String, _ arguments: [String]) throws {
        let tool = try ChildProcess(executable, arguments)
        guard tool.waitForExit(timeout: 60) == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed")
        }
    }
}
