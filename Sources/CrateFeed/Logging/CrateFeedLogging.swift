import Logging
import Synchronization

/// Sets up swift-log for cratefeed once per process:
///
///     CrateFeedLogging.bootstrap(level: config.logLevel, mode: .auto)   // first thing in main
///     CrateFeedLogging.setLevel(.debug)                                 // after a reload changed it
public enum CrateFeedLogging {
    private static let installed = Mutex<LogOutput?>(nil)

    /// Installs `JournalLogHandler` for every logger. swift-log allows one bootstrap per process, so a second
    /// call only changes the level. Returns the output, e.g. to log which destination was chosen.
    @discardableResult
    public static func bootstrap(
        level: Logger.Level = .info, mode: LogOutputMode = .auto, rateLimitInterval: Double = 10
    ) -> LogOutput {
        installed.withLock { current in
            if let current {
                current.level = level
                return current
            }
            let output = LogOutput(mode: mode, level: level, rateLimitInterval: rateLimitInterval)
            current = output
            LoggingSystem.bootstrap(
                { label, provider in JournalLogHandler(label: label, output: output, metadataProvider: provider) },
                metadataProvider: nil)
            return output
        }
    }

    /// Lines for stderr before logging is set up (a configuration `run` cannot start with), as errors: under
    /// journald each gets the `<3>` prefix, so `journalctl -p err` shows why the service did not start.
    public static func startupErrorText(_ lines: [String]) -> String {
        let prefix = JournalStream.stderrIsJournal() ? "<3>" : ""
        return lines.map { prefix + $0 + "\n" }.joined()
    }

    /// Changes the level of every logger that did not set its own (SIGHUP reload). No-op before `bootstrap`.
    public static func setLevel(_ level: Logger.Level) {
        installed.withLock { $0?.level = level }
    }
}
