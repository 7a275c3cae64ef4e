import ArgumentParser

@main
struct CrateFeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cratefeed",
        abstract: "Moves MQTT sensor readings into CrateDB, and looks into CrateDB from the command line.",
        subcommands: [
            RunCommand.self, CheckConfigCommand.self, SQLCommand.self, BlobCommand.self, SimulateCommand.self,
            LogProbeCommand.self,
        ]
    )

    /// ArgumentParser's entry, but with usage errors on one line (see `runReportingUsageErrors`).
    static func main() async {
        await runReportingUsageErrors()
    }
}
