import ArgumentParser
import CrateFeed
import Foundation
import Logging

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the daemon: MQTT readings into CrateDB, through the durable spool.",
        discussion: """
            Under systemd (Type=notify) it reports READY=1 once subscribed, STATUS= every few seconds and \
            WATCHDOG=1 while the pipeline makes progress. SIGTERM drains and stops; SIGHUP reloads the \
            configuration (a file with problems is rejected and the running configuration stays).
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = CrateFeed.Configuration.defaultPath

    @Option(name: .long, help: "Log level, overriding [log] level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    func run() throws {
        let configuration: CrateFeed.Configuration
        do {
            configuration = try CrateFeed.Configuration.load(path: config)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data(CrateFeedLogging.startupErrorText(error.problems).utf8))
            throw ExitCode(2)
        }
        CrateFeedLogging.bootstrap(level: logLevel ?? configuration.log.level, mode: configuration.log.output)
        let logger = Logger(label: "cratefeed")
        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration, configurationPath: config, logLevel: logLevel, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        let status = daemon.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
