import IntegrationSupport
import CrateDB
import Foundation
import Testing

/// `cratefeed sql` and `cratefeed blob` as an operator runs them.
@Suite struct CommandTests {
    @Test func sqlPrintsATableAndJSON() async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let servers = ["--servers", cluster.servers.joined(separator: ",")] + credentials(cluster)
        let table = TestCluster.uniqueName("cli")

        let create = try CratefeedRun.run(["sql"] + servers + ["CREATE TABLE \(table) (id INTEGER, name TEXT, data OBJECT)"])
        #expect(create.status == 0, "\(create.stderr)")
        let insert = try CratefeedRun.run(
            ["sql"] + servers + ["INSERT INTO \(table) (id, name, data) VALUES (?, ?, ?)", "7", "Ann", #"{"t":21.5}"#])
        #expect(insert.status == 0, "\(insert.stderr)")
        #expect(insert.stdout.contains("INSERT OK, 1 row affected"))
        _ = try CratefeedRun.run(["sql"] + servers + ["REFRESH TABLE \(table)"])

        let select = try CratefeedRun.run(["sql"] + servers + ["SELECT id, name, data FROM \(table) WHERE name = ?", "Ann"])
        #expect(select.status == 0, "\(select.stderr)")
        #expect(select.stdout.contains("| id | name | data       |"))
        #expect(select.stdout.contains("|  7 | Ann  | {\"t\":21.5} |"))
        #expect(select.stdout.contains("SELECT 1 row in set"))

        let json = try CratefeedRun.run(["sql", "--format", "json"] + servers + ["SELECT id FROM \(table)"])
        let document = try JSONParser.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(document["rows"] == [[7]])
        #expect(document["rowcount"] == 1)

        _ = try CratefeedRun.run(["sql"] + servers + ["DROP TABLE \(table)"])
    }

    @Test func failuresAreOneLineWithoutATrace() throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let servers = ["--servers", cluster.servers.joined(separator: ",")] + credentials(cluster)
        let unknown = try CratefeedRun.run(["sql"] + servers + ["SELECT * FROM no_such_table_at_all"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        #expect(unknown.stderr.contains("no_such_table_at_all") && unknown.stderr.contains("4041"))

        let down = try CratefeedRun.run(["sql", "--servers", "http://127.0.0.1:1", "--timeout", "2", "SELECT 1"])
        #expect(down.status == 2)
        #expect(down.stderr.split(separator: "\n").count == 1)
        #expect(down.stderr.contains("http://127.0.0.1:1"))

        let badURL = try CratefeedRun.run(["sql", "--servers", "ftp://x", "SELECT 1"])
        #expect(badURL.status == 2 && badURL.stderr.contains("ftp://x"))
    }

    @Test func blobCommandsStreamALargeFileWithFlatMemory() async throws {
        let megabytes = Int(ProcessInfo.processInfo.environment["BLOB_TEST_MB"] ?? "") ?? 200
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let servers = ["--servers", cluster.servers.joined(separator: ",")] + credentials(cluster)
        let table = TestCluster.uniqueName("cliblobs")
        let connection = try cluster.connect()
        defer { connection.close() }
        try await connection.execute("CREATE BLOB TABLE \(table)")
        let directory = try TemporaryDirectory.make("cliblob")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/source"
        try writePatternFile(source, megabytes: megabytes)
        let digest = try BlobContainer.digest(ofFileAt: source)

        // Flat memory: the peak for the large blob is no more than 64 MiB above the peak for a 1 MiB one,
        // measured the same way on the same machine at the same time.
        let small = directory + "/small"
        try writePatternFile(small, megabytes: 1)
        let smallPut = try CratefeedRun.run(["blob", "put"] + servers + ["--table", table, small])
        #expect(smallPut.status == 0, "\(smallPut.stderr)")
        let smallDigest = smallPut.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let smallGet = try CratefeedRun.run(["blob", "get"] + servers + ["--table", table, smallDigest, "-o", directory + "/small-copy"])
        #expect(smallGet.status == 0, "\(smallGet.stderr)")

        let put = try CratefeedRun.run(["blob", "put"] + servers + ["--table", table, source])
        #expect(put.status == 0, "\(put.stderr)")
        #expect(put.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == digest)
        #expect(
            put.maxResidentKilobytes - smallPut.maxResidentKilobytes < 64 * 1024,
            "blob put peaked at \(put.maxResidentKilobytes) kB for \(megabytes) MB, \(smallPut.maxResidentKilobytes) kB for 1 MB")

        let exists = try CratefeedRun.run(["blob", "exists"] + servers + ["--table", table, digest])
        #expect(exists.status == 0)

        let copy = directory + "/copy"
        let get = try CratefeedRun.run(["blob", "get"] + servers + ["--table", table, digest, "-o", copy])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(try BlobContainer.digest(ofFileAt: copy) == digest)
        #expect(
            get.maxResidentKilobytes - smallGet.maxResidentKilobytes < 64 * 1024,
            "blob get peaked at \(get.maxResidentKilobytes) kB for \(megabytes) MB, \(smallGet.maxResidentKilobytes) kB for 1 MB")

        let delete = try CratefeedRun.run(["blob", "delete"] + servers + ["--table", table, digest])
        #expect(delete.status == 0)
        let gone = try CratefeedRun.run(["blob", "exists"] + servers + ["--table", table, digest])
        #expect(gone.status == 1)
        let deleteAgain = try CratefeedRun.run(["blob", "delete"] + servers + ["--table", table, digest])
        #expect(deleteAgain.status == 1)
        try await connection.execute("DROP BLOB TABLE \(table)")
    }

    /// A server that is not CrateDB answers with a page of HTML (here Python's http.server: 501 to a POST);
    /// the error is still one line.
    @Test func anErrorPageIsOneLine() throws {
        let port = try FreePort.next()
        let server = try ChildProcess("/usr/bin/env", ["python3", "-m", "http.server", "--bind", "127.0.0.1", String(port)])
        defer { server.stop() }
        #expect(FreePort.waitUntilAnswering(port))

        let run = try CratefeedRun.run(["sql", "--servers", "http://127.0.0.1:\(port)", "SELECT 1"])

        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("501") && run.stderr.count < 400, "\(run.stderr)")
    }

    @Test(arguments: [
        (["sql", "--bogus", "SELECT 1"], "cratefeed sql"),
        (["sql"], "cratefeed sql"),
        (["sql", "--format", "xml", "SELECT 1"], "cratefeed sql"),
        (["sql", "--password-file", "/dev/null", "SELECT 1"], "cratefeed sql"),
        (["blob", "get", "--table", "t"], "cratefeed blob get"),
        (["blob", "put", "--stall-timeout", "0", "--table", "t", "/dev/null"], "cratefeed blob put"),
        (["blob", "frobnicate"], "cratefeed blob"),
    ])
    func usageErrorsAreOneLineWithStatus64(_ arguments: [String], _ command: String) throws {
        let run = try CratefeedRun.run(arguments)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("\(command): ") && run.stderr.hasSuffix("; see \(command) --help\n"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func aPasswordFileWithoutAUserIsRefused() throws {
        let run = try CratefeedRun.run(["sql", "--password-file", "/dev/null", "SELECT 1"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--password-file needs --user"), "\(run.stderr)")
    }

    @Test func helpIsStillTheWholeHelp() throws {
        let run = try CratefeedRun.run(["sql", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("USAGE") && run.stdout.contains("--format"))
    }

    @Test func blobPutOfADirectorySaysSo() throws {
        let directory = try TemporaryDirectory.make("putdir")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try CratefeedRun.run(["blob", "put", "--servers", "http://127.0.0.1:1", "--table", "t", directory])
        #expect(run.status == 2)
        #expect(run.stderr == "cratefeed: \(directory) is a directory: give the file to upload\n")
    }

    /// Every node answers later than --timeout: blob put and get take no notice, they stop only when stalled;
    /// `-o -` writes the blob to stdout.
    @Test func blobTransfersIgnoreTheRequestTimeoutAndGetCanWriteToStdout() async throws {
        let standIn = try StandIn.start(nodes: 2)
        defer { standIn.stop() }
        let servers = ["--servers", standIn.urls.joined(separator: ","), "--timeout", "0.2"]
        let table = TestCluster.uniqueName("cliblobs")
        let connection = try Connection(servers: standIn.urls)
        defer { connection.close() }
        try await connection.execute("CREATE BLOB TABLE \(table)")
        let directory = try TemporaryDirectory.make("cliblob")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/source"
        let content = String(repeating: "a line of the blob\n", count: 2000)
        _ = FileManager.default.createFile(atPath: source, contents: Data(content.utf8))
        for node in 0..<2 { try await standIn.set(node: node, .slow, delay: 0.5) }

        let put = try CratefeedRun.run(["blob", "put"] + servers + ["--table", table, source])
        #expect(put.status == 0, "\(put.stderr)")
        let digest = put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let get = try CratefeedRun.run(["blob", "get"] + servers + ["--table", table, digest, "-o", "-"])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout == content)
    }

    private func credentials(_ cluster: TestCluster) -> [String] {
        guard let user = cluster.username else { return [] }
        guard let password = cluster.password else { return ["--user", user] }
        let file = NSTemporaryDirectory() + "cratefeed-test-password-\(UUID().uuidString.prefix(8))"
        let created = FileManager.default.createFile(
            atPath: file, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        precondition(created, "cannot create \(file)")
        return ["--user", user, "--password-file", file]
    }

    /// Writes a file of varied bytes a megabyte at a time.
    private func writePatternFile(_ path: String, megabytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for index in 0..<megabytes {
            for offset in stride(from: 0, to: block.count, by: 4096) { block[offset] = UInt8(truncatingIfNeeded: index &+ offset) }
            try handle.write(contentsOf: block)
        }
    }
}
