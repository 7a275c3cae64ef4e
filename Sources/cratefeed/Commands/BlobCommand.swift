import ArgumentParser
import CrateDB
import Foundation

struct BlobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blob",
        abstract: "Stores, fetches, checks and deletes blobs in a CrateDB blob table.",
        subcommands: [Put.self, Get.self, Exists.self, Delete.self]
    )

    struct TableOptions: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions

        @Option(name: .long, help: "The blob table.")
        var table: String

        @Option(name: .long, help: "Give up an upload or download after this many seconds without progress.")
        var stallTimeout: Double = 30

        func validate() throws {
            guard stallTimeout > 0 else { throw ValidationError("--stall-timeout must be more than 0 seconds") }
        }

        func container(_ client: Connection) -> BlobContainer {
            var container = client.blobContainer(table)
            container.stallTimeout = stallTimeout
            return container
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Uploads a file (streamed) and prints its SHA-1 digest.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The file to upload.") var file: String

        func run() async throws {
            try await reportingFailures {
                try Self.checkRegularFile(file)
                let client = try options.connection.connect()
                defer { client.close() }
                let digest = try await options.container(client).put(fileAt: file)
                print(digest)
            }
        }

        /// The file is read twice (digest, then upload), so only a regular file will do.
        static func checkRegularFile(_ path: String) throws {
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            switch status.st_mode & S_IFMT {
            case S_IFREG: return
            case S_IFDIR: throw CommandFailure("\(path) is a directory: give the file to upload")
            default: throw CommandFailure("\(path) is not a regular file: blob put reads it twice (digest, then upload)")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Downloads a blob (streamed) into a file.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The blob's SHA-1 digest.") var digest: String
        @Option(name: .shortAndLong, help: "The file to write (written in place, as the shell's > does); - for stdout.")
        var output: String

        func run() async throws {
            try await reportingFailures {
                let client = try options.connection.connect()
                defer { client.close() }
                if output == "-" {
                    try await options.container(client).get(digest, toFileDescriptor: STDOUT_FILENO)
                } else {
                    try await options.container(client).get(digest, toFileAt: output)
                }
            }
        }
    }

    struct Exists: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exits 0 when the blob exists and 1 when it does not.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The blob's SHA-1 digest.") var digest: String

        func run() async throws {
            var found = false
            try await reportingFailures {
                let client = try options.connection.connect()
                defer { client.close() }
                found = try await options.container(client).exists(digest)
            }
            if !found { throw ExitCode(1) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deletes a blob; exits 1 when there was none.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The blob's SHA-1 digest.") var digest: String

        func run() async throws {
            var deleted = false
            try await reportingFailures {
                let client = try options.connection.connect()
                defer { client.close() }
                deleted = try await options.container(client).delete(digest)
            }
            if !deleted {
                printError("cratefeed: no blob \(digest) in blob table \(options.table)")
                throw ExitCode(1)
            }
        }
    }
}
