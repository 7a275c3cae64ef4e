import ArgumentParser
import CrateFeed
import Foundation

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validates a configuration file and prints the effective configuration.",
        discussion: """
            Prints the whole configuration as cratefeed would run it (defaults filled in, passwords not shown) \
            and exits 0; or prints every problem, one line each on stderr, and exits 2. password_file keys are \
            read, through $CREDENTIALS_DIRECTORY for bare names, as the daemon reads them.
            """
    )

    @Option(name: .long, help: "The configuration file.")
    var config: String = Configuration.defaultPath

    func run() async throws {
        try await reportingFailures {
            do {
                let configuration = try Configuration.load(path: config)
                print(configuration.effectiveDescription(), terminator: "")
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data((error.problems.joined(separator: "\n") + "\n").utf8))
                throw ExitCode(2)
            }
        }
    }
}
