import IntegrationSupport
import CrateDB
import Foundation
import Testing

/// Blob containers as the seed tutorial uses them, plus redirects and a large blob with flat memory.
@Suite struct BlobTests {
    private func withBlobTable(_ body: (Connection, BlobContainer, TestCluster) async throws -> Void) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.stop() }
        let connection = try cluster.connect()
        defer { connection.close() }
        let table = TestCluster.uniqueName("blobs")
        try await connection.execute("CREATE BLOB TABLE \(table)")
        do {
            try await body(connection, connection.blobContainer(table), cluster)
        } catch {
            _ = try? await connection.execute("DROP BLOB TABLE IF EXISTS \(table)")
            throw error
        }
        try await connection.execute("DROP BLOB TABLE IF EXISTS \(table)")
    }

    @Test func putExistsGetDeleteAsTheTutorialDoes() async throws {
        try await withBlobTable { _, container, _ in
            let bytes = Array("This is an example.".utf8)
            let digest = try await container.put(bytes)
            #expect(digest == "3ed84790d068ba7ca4fbf8bf737e4a9a368c600f")
            #expect(try await container.put(bytes, digest: digest) == false)
            #expect(try await container.exists(digest))

            var content: [UInt8] = []
            for try await chunk in try await container.get(digest) { content += chunk }
            #expect(content == bytes)

            var chunks = 0
            for try await chunk in try await container.get(digest, chunkSize: 4) {
                #expect(chunk.count <= 4)
                chunks += 1
            }
            #expect(chunks >= 5)

            #expect(try await container.delete(digest))
            #expect(try await container.exists(digest) == false)
            #expect(try await container.delete(digest) == false)

            let another = Array("another one".utf8)
            #expect(try await container.put(another, digest: SHA1.hexDigest(another)) == true)
        }
    }

    @Test func mismatchesMissingBlobsAndUnknownTablesAreClearErrors() async throws {
        try await withBlobTable { connection, container, _ in
            let wrongDigest = SHA1.hexDigest(Array("something else".utf8))
            await #expect(throws: CrateDBError.self) { try await container.put(Array("content".utf8), digest: wrongDigest) }
            do {
                _ = try await container.put(Array("content".utf8), digest: wrongDigest)
            } catch CrateDBError.digestMismatch(_, let digest) {
                #expect(digest == wrongDigest)
            }
            do {
                _ = try await container.get(wrongDigest)
                Issue.record("a missing blob must be an error")
            } catch CrateDBError.blobNotFound(_, let digest) {
                #expect(digest == wrongDigest)
            }
            do {
                _ = try await connection.blobContainer("no_such_blob_table").put(Array("x".utf8))
                Issue.record("an unknown blob table must be an error")
            } catch CrateDBError.unknownBlobTable(let table) {
                #expect(table == "no_such_blob_table")
            }
            await #expect(throws: CrateDBError.self) { try await container.exists("not-a-digest") }
        }
    }

    @Test func redirectsToAnotherNodeAreFollowedWithAuthentication() async throws {
        let standIn = try StandIn.start(nodes: 2, arguments: ["--user", "alice:secret"])
        defer { standIn.stop() }
        var configuration = ConnectionConfiguration(servers: [standIn.urls[0]])
        configuration.username = "alice"
        configuration.password = "secret"
        let connection = try Connection(configuration)
        defer { connection.close() }
        let table = TestCluster.uniqueName("blobs")
        try await connection.execute("CREATE BLOB TABLE \(table)")
        try await standIn.set(node: 0, .redirect)
        let container = connection.blobContainer(table)

        let directory = try TemporaryDirectory.make("redirect")
        defer { TemporaryDirectory.remove(directory) }
        let file = directory + "/payload"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0) }).write(to: URL(fileURLWithPath: file))
        let digest = try await container.put(fileAt: file)
        #expect(try await container.exists(digest))
        var size = 0
        for try await chunk in try await container.get(digest) { size += chunk.count }
        #expect(size == 300_000)
        #expect(try await container.delete(digest))
        #expect(try await standIn.requests(node: 1) >= 3)
    }

    // MARK: Timeouts

    /// Blob transfers have no whole-request limit: every node answering later than the request timeout, and a
    /// consumer slower than it, still get the blob up and down, each request sent once.
    @Test func aBlobTransferIsNotCutByTheRequestTimeout() async throws {
        let standIn = try StandIn.start(nodes: 3)
        defer { standIn.stop() }
        var configuration = ConnectionConfiguration(servers: standIn.urls)
        configuration.transport.requestTimeout = 0.3
        let connection = try Connection(configuration)
        defer { connection.close() }
        let table = TestCluster.uniqueName("blobs")
        try await connection.execute("CREATE BLOB TABLE \(table)")
        var container = connection.blobContainer(table)
        container.stallTimeout = 5
        for node in 0..<3 { try await standIn.set(node: node, .slow, delay: 0.6) }
        let bytes = testBytes(1 << 20)
        let before = try await standIn.counters()

        let digest = try await container.put(bytes)

        let after = try await standIn.counters()
        let blobRequests = (0..<3).reduce(Int64(0)) { sum, node in
            sum + (after[node]["blob_requests"]?.intValue ?? 0) - (before[node]["blob_requests"]?.intValue ?? 0)
        }
        #expect(blobRequests == 1, "the upload was sent once")
        var received: [UInt8] = []
        for try await chunk in try await container.get(digest, chunkSize: 128 * 1024) {
            received += chunk
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(received == bytes)
        #expect(connection.servers.allSatisfy { $0.isActive })
    }

    /// A transfer that stops moving is given up after the stall timeout and moves on to the next node.
    @Test func aStalledBlobTransferFailsOverToTheNextNode() async throws {
        let standIn = try StandIn.start(nodes: 3)
        defer { standIn.stop() }
        let table = TestCluster.uniqueName("blobs")
        let setup = try Connection(servers: standIn.urls)
        defer { setup.close() }
        try await setup.execute("CREATE BLOB TABLE \(table)")
        try await standIn.set(node: 0, .hang)
        let bytes = testBytes(100_000)

        // A new connection sends its first request to node 0, which takes it and never answers.
        func stalling() throws -> (Connection, BlobContainer) {
            let connection = try Connection(servers: standIn.urls)
            var container = connection.blobContainer(table)
            container.stallTimeout = 1
            return (connection, container)
        }
        let (uploader, upload) = try stalling()
        defer { uploader.close() }
        var started = ContinuousClock.now
        let digest = try await upload.put(bytes)
        #expect(ContinuousClock.now - started < .seconds(120))  // a 1 s stall limit, not a hang
        #expect(uploader.servers[0].isActive == false)

        let (downloader, download) = try stalling()
        defer { downloader.close() }
        started = ContinuousClock.now
        var received: [UInt8] = []
        for try await chunk in try await download.get(digest) { received += chunk }
        #expect(received == bytes)
        #expect(ContinuousClock.now - started < .seconds(120))  // a 1 s stall limit, not a hang
        #expect(downloader.servers[0].isActive == false)
        try await standIn.set(node: 0, .healthy)
    }

    // MARK: Downloading into a file

    /// `get(_:toFileAt:)` writes into the path as the shell's `>` does instead of replacing it.
    @Test func aDownloadWritesIntoThePathItself() async throws {
        try await withBlobTable { _, container, _ in
            let bytes = Array("written through the path".utf8)
            let digest = try await container.put(bytes)
            let directory = try TemporaryDirectory.make("getfile")
            defer { try? FileManager.default.removeItem(atPath: directory) }

            // A symbolic link stays a link; its target gets the content, truncated first.
            let target = directory + "/target"
            _ = FileManager.default.createFile(atPath: target, contents: Data(repeating: 0x41, count: 1000))
            let link = directory + "/link"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            #expect(try await container.get(digest, toFileAt: link) == bytes.count)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
            #expect(FileManager.default.contents(atPath: target) == Data(bytes))

            // A FIFO stays a FIFO, and its reader gets the content.
            let fifo = directory + "/fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            defer { close(reader) }
            try await container.get(digest, toFileAt: fifo)
            #expect(fileType(fifo) == S_IFIFO)
            #expect(readAvailable(reader) == bytes)

            // A new file is a regular file with mode 0644 less the umask.
            let fresh = directory + "/fresh"
            try await container.get(digest, toFileAt: fresh)
            #expect(fileType(fresh) == S_IFREG)
            #expect(permissions(fresh) == 0o644 & ~currentUmask())
            #expect(FileManager.default.contents(atPath: fresh) == Data(bytes))
        }
    }

    /// A download that fails removes the file only when it made it; a missing blob creates nothing.
    @Test func aFailedDownloadRemovesOnlyAFileItCreated() async throws {
        let standIn = try StandIn.start(nodes: 1)
        defer { standIn.stop() }
        let connection = try Connection(servers: standIn.urls)
        defer { connection.close() }
        let table = TestCluster.uniqueName("blobs")
        try await connection.execute("CREATE BLOB TABLE \(table)")
        let container = connection.blobContainer(table)
        let digest = try await container.put(testBytes(200_000))
        let directory = try TemporaryDirectory.make("getfail")
        defer { try? FileManager.default.removeItem(atPath: directory) }

        try await standIn.set(node: 0, .drop)  // the head, half the body, then the connection closes
        let fresh = directory + "/fresh"
        await #expect(throws: (any Error).self) { try await container.get(digest, toFileAt: fresh) }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let existing = directory + "/existing"
        _ = FileManager.default.createFile(atPath: existing, contents: Data("old".utf8))
        await #expect(throws: (any Error).self) { try await container.get(digest, toFileAt: existing) }
        #expect(FileManager.default.fileExists(atPath: existing))

        try await standIn.set(node: 0, .healthy)
        let missing = directory + "/missing"
        await #expect(throws: CrateDBError.self) {
            try await container.get(SHA1.hexDigest(Array("never stored".utf8)), toFileAt: missing)
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}

/// The file type bits of `path` (not following a symbolic link).
private func fileType(_ path: String) -> mode_t {
    var status = stat()
    guard lstat(path, &status) == 0 else { return 0 }
    return status.st_mode & S_IFMT
}

private func permissions(_ path: String) -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else { return 0 }
    return status.st_mode & 0o7777
}

/// This process's umask, read without changing it (umask(2) would, for every thread).
private func currentUmask() -> mode_t {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("Umask:") } ?? ""
    return mode_t(line.split(separator: "\t").last.flatMap { UInt32($0, radix: 8) } ?? 0o022)
}

/// Everything a non-blocking descriptor has to read now, up to its end.
private func readAvailable(_ descriptor: Int32) -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { return result }
        result += buffer[..<count]
    }
}
