import Foundation
import IntegrationSupport

/// A mosquitto broker for the MQTT client tests: its own config file and persistence directory in a
/// temporary directory, on a free port, optionally with a password file or a TLS listener. `stop()` saves
/// the persistence file (SIGTERM); `start()` again comes back on the same port with the sessions and queued
/// messages. `remove()` stops it and deletes the directory; tests call it in `defer`.
final class MQTTTestBroker: @unchecked Sendable {
    struct Options {
        /// user name -> password, written with `mosquitto_passwd -b`; anonymous clients are refused then.
        var users: [String: String] = [:]
        /// Serve TLS with this server certificate (signed by its CA).
        var tls: TestCertificates?
        /// With `tls`: clients must present a certificate signed by the test CA.
        var requireClientCertificate = false
    }

    let port: Int
    let directory: String
    private var pid: pid_t?

    var host: String { "127.0.0.1" }
    var url: String { "mqtt://127.0.0.1:\(port)" }

    /// A free port can be taken by another test between choosing and binding it, so a broker that does not
    /// come up is tried again on another port.
    convenience init(_ options: Options = Options()) throws {
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
        directory = NSTemporaryDirectory() + "cratefeed-mqtt-broker-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = [
            "listener \(port) 127.0.0.1",
            "persistence true",
            "persistence_location \(directory)/",
            // Queue everything for absent persistent sessions (the default of 1000 would drop test messages).
            "max_queued_messages 0",
            "log_dest file \(directory)/mosquitto.log",
            "log_type all",
            // Run as root, mosquitto would drop to the `mosquitto` user, which cannot write this directory.
            "user root",
        ]
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

    func start() throws {
        pid = try Self.spawn("/usr/sbin/mosquitto", ["-c", directory + "/mosquitto.conf"])
        guard FreePort.waitUntilAnswering(port) else {
            stop()
            throw TestSupportError("mosquitto did not start on port \(port); its log:\n\(log)")
        }
    }

    /// SIGTERM (mosquitto saves its persistence file) and wait; SIGKILL if it has not ended after 20 s.
    func stop() {
        guard let running = pid else { return }
        pid = nil
        kill(running, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        var status: Int32 = 0
        while waitpid(running, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(running, SIGKILL)
                waitpid(running, &status, 0)
                return
            }
            usleep(10_000)
        }
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var log: String {
        (try? String(contentsOfFile: directory + "/mosquitto.log", encoding: .utf8)) ?? ""
    }

    /// Starts a program with a clean signal mask and default signal handlers. Tests run on dispatch worker
    /// threads, which block SIGTERM; a child inheriting that mask (as Foundation's Process gives it) never
    /// sees SIGTERM: mosquitto restores the mask it started with after each wait, so it would never stop.
    static func spawn(_ executable: String, _ arguments: [String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed")
        }
    }
}
