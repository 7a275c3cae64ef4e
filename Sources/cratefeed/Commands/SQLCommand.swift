import ArgumentParser
import CrateDB
import Foundation

struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Runs one SQL statement and prints its result.",
        discussion: """
            Each ARG fills one ? placeholder. An ARG that is valid JSON is sent as that JSON value (42, 1.5, true, \
            null, {"a":1}, [1,2]); anything else is sent as text. Quote JSON strings to force text: '"42"'.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "Output format: table (like the CrateDB shell) or json.")
    var format: Format = .table

    @Argument(help: "The statement, with ? placeholders.")
    var statement: String

    @Argument(help: "Values for the placeholders.")
    var args: [String] = []

    func run() async throws {
        try await reportingFailures {
            let client = try connection.connect()
            defer { client.close() }
            let arguments = args.map { (try? JSONParser.parse($0)) ?? .text($0) }
            let result = try await client.execute(statement, arguments)
            switch format {
            case .table: print(ResultTable.render(result, statement: statement), terminator: "")
            case .json: print(ResultTable.json(result))
            }
        }
    }
}
