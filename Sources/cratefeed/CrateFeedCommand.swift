import ArgumentParser

@main
struct CrateFeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cratefeed",
        abstract: "Moves MQTT sensor readings into CrateDB, and looks into CrateDB from the command line.",
        subcommands: [SQLCommand.self, BlobCommand.self]
    )
}
