import ArgumentParser
import Foundation

/// A failure reported to the user as one line on stderr, with a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body, turning any error into one line on stderr and exit status 2 (no stack trace);
/// status 1 is left for answers such as "no such blob".
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("cratefeed: \(oneLine("\(error)"))")
        throw ExitCode(2)
    }
}

/// The text with its line breaks (and the indentation after them) turned into single spaces: a message from
/// anywhere, a server's page included, stays one line on the terminal and in a log.
func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
        .joined(separator: " ")
}

/// Writes `line` and a line break to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

extension ParsableCommand {
    /// Parses the command line and runs the command it names, as ArgumentParser's own `main` does, except that
    /// a usage error (an unknown option, a missing argument, a bad value) is one line naming the command,
    /// `cratefeed sql: <what is wrong>; see cratefeed sql --help`, with exit status 64 (EX_USAGE), instead of
    /// the error followed by the whole usage text.
    static func runReportingUsageErrors(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Help, --version and the like are not errors, and other errors have their own text: ArgumentParser
            // prints those as usual. A ValidationError thrown by run() is a usage error too.
            guard !(error is ExitCode), exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let name = commandName(for: arguments)
            var text = oneLine(message(for: error))
            if text.hasSuffix(".") { text.removeLast() }  // "...'json'.; see" reads badly
            printError("\(name): \(text); see \(name) --help")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }

    /// "cratefeed blob put": the root command and the subcommands the arguments start with.
    static func commandName(for arguments: [String]) -> String {
        var names = [configuration.commandName ?? "cratefeed"]
        var current: ParsableCommand.Type = self
        for argument in arguments {
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            names.append(argument)
            current = next
        }
        return names.joined(separator: " ")
    }
}
