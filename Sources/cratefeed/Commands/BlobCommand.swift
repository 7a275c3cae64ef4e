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
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Uploads a file (streamed) and prints its SHA-1 digest.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The file to upload.") var file: String

        func run() async throws {
            try await reportingFailures {
                let client = try options.connection.connect()
                defer { client.close() }
                let digest = try await client.blobContainer(options.table).put(fileAt: file)
                print(digest)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Downloads a blob (streamed) into a file.")
        @OptionGroup var options: TableOptions
        @Argument(help: "The blob's SHA-1 digest.") var digest: String
        @Option(name: .shortAndLong, help: "The file to write.") var output: String

        func run() async throws {
            try await reportingFailures {
                let client = try options.connection.connect()
                defer { client.close() }
                try await client.blobContainer(options.table).get(digest, toFileAt: output)
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
                found = try await client.blobContainer(options.table).exists(digest)
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
                deleted = try await client.blobContainer(options.table).delete(digest)
            }
            if !deleted {
                FileHandle.standardError.write(Data("cratefeed: no blob \(digest) in blob table \(options.table)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
