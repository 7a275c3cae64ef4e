import ArgumentParser
import CrateFeed
import Logging

/// Logs one record through cratefeed's logging setup and exits: the journald integration test runs it under a
/// real journald and reads the entry back. Hidden from help; harmless to run by hand:
///
///     cratefeed log-probe --message "node down" --event node_down --field node=http://a:4200 --level warning
struct LogProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-probe",
        abstract: "Logs one record the way the daemon does (for tests).",
        shouldDisplay: false
    )

    @Option(help: "The message.")
    var message: String

    @Option(help: "A key event name, e.g. node_down: adds CRATEFEED_EVENT and its MESSAGE_ID.")
    var event: String?

    @Option(name: .customLong("field"), help: "Metadata as key=value; repeatable.")
    var fields: [String] = []

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var level: String = "notice"

    @Option(help: "auto, journal or stderr.")
    var mode: String = "auto"

    func run() throws {
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("--level \(level) is not one of trace, debug, info, notice, warning, error, critical")
        }
        guard let outputMode = LogOutputMode(rawValue: mode) else {
            throw ValidationError("--mode \(mode) is not one of auto, journal, stderr")
        }
        var metadata: Logger.Metadata = [:]
        for field in fields {
            guard let equals = field.firstIndex(of: "=") else {
                throw ValidationError("--field \(field) is not key=value")
            }
            metadata[String(field[..<equals])] = .string(String(field[field.index(after: equals)...]))
        }
        if let event {
            guard let known = CrateFeedEvent(rawValue: event) else {
                let names = CrateFeedEvent.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--event \(event) is not one of \(names)")
            }
            metadata = known.metadata(metadata)
        }
        CrateFeedLogging.bootstrap(level: .trace, mode: outputMode)
        Logger(label: "cratefeed.log-probe").log(level: logLevel, "\(message)", metadata: metadata)
    }
}
