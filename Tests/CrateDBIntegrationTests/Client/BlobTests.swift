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

        let file = try TemporaryDirectory.make("redirect") + "/payload"
        try Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0) }).write(to: URL(fileURLWithPath: file))
        let digest = try await container.put(fileAt: file)
        #expect(try await container.exists(digest))
        var size = 0
        for try await chunk in try await container.get(digest) { size += chunk.count }
        #expect(size == 300_000)
        #expect(try await container.delete(digest))
        #expect(try await standIn.requests(node: 1) >= 3)
    }
}
