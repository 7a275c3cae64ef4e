import Foundation

/// `cratefeed run` as systemd would run it: a child process with its own config file and NOTIFY_SOCKET,
/// started and awaited on its READY=1 notification. `stop()` ends it; tests call it in `defer`.
public final class DaemonProcess: @unchecked Sendable {
    public let configPath: String
    public let notify: NotifyListener
    private let process: ChildProcess
    private let logPath: String

    /// Starts the daemon with this configuration text; waits for READY=1 unless `waitReady` is false.
    public init(config: String, directory: String, environment: [String: String] = [:], waitReady: Bool = true) throws {
        configPath = directory + "/cratefeed.toml"
        logPath = directory + "/cratefeed-\(UUID().uuidString.prefix(6)).log"
        try config.write(toFile: configPath, atomically: false, encoding: .utf8)
        notify = try NotifyListener()
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env.removeValue(forKey: "JOURNAL_STREAM")
        for (key, value) in environment { env[key] = value }
        process = try ChildProcess(CratefeedRun.executable, ["run", "--config", configPath], environment: env, output: logPath)
        if waitReady {
            guard notify.wait(for: "READY=1", timeout: 60) else {
                stop()
                throw TestSupportError("cratefeed did not report READY=1; its log:\n\(self.log.suffix(3000))")
            }
        }
    }

    deinit { stop() }

    public var pid: pid_t { process.pid }
    public var isRunning: Bool { process.isRunning }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the process to exit and returns its status (128+N for a signal), or nil after the deadline.
    @discardableResult
    public func waitForExit(timeout: Double = 60) -> Int32? {
        process.waitForExit(timeout: timeout)
    }

    /// SIGTERM, then SIGKILL if it has not exited within the bound.
    public func stop() {
        process.stop(timeout: 30)
        notify.close()
    }
}
