import Foundation

/// One blob table, as the official client's `connection.get_blob_container(name)`.
///
/// Blobs are addressed by the SHA-1 digest of their content. Uploads from files and downloads stream, so a
/// blob of any size passes without being held in memory.
public struct BlobContainer: Sendable {
    public let table: String
    let connection: Connection

    init(table: String, connection: Connection) {
        self.table = table
        self.connection = connection
    }

    /// Uploads bytes and returns their digest; uploading content that is already there is not an error.
    @discardableResult
    public func put(_ bytes: [UInt8]) async throws -> String {
        let digest = SHA1.hexDigest(bytes)
        _ = try await put(bytes, digest: digest)
        return digest
    }

    /// Uploads bytes under a known digest: true when the blob was created, false when it already existed.
    public func put(_ bytes: [UInt8], digest: String) async throws -> Bool {
        try await upload(.bytes(bytes), digest: digest)
    }

    /// Uploads a file, streamed from disk, and returns its digest (computed by reading the file once first).
    @discardableResult
    public func put(fileAt path: String) async throws -> String {
        let digest = try Self.digest(ofFileAt: path)
        _ = try await put(fileAt: path, digest: digest)
        return digest
    }

    /// Uploads a file under a known digest: true when created, false when it already existed.
    public func put(fileAt path: String, digest: String) async throws -> Bool {
        try await upload(.file(path: path), digest: digest)
    }

    public func exists(_ digest: String) async throws -> Bool {
        let response = try await request(.HEAD, digest)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw unexpected(response, doing: "HEAD", digest)
        }
    }

    /// Deletes a blob: true when it was deleted, false when there was none.
    @discardableResult
    public func delete(_ digest: String) async throws -> Bool {
        let response = try await request(.DELETE, digest)
        switch response.status {
        case 204: return true
        case 404: return false
        default: throw unexpected(response, doing: "DELETE", digest)
        }
    }

    /// The blob's content as a sequence of chunks of at most `chunkSize` bytes, fetched as they are consumed.
    public func get(_ digest: String, chunkSize: Int = 128 * 1024) async throws -> HTTPBodyStream {
        try Self.validate(digest)
        let response = try await connection.stream(chunkSize: chunkSize) { server in
            HTTPRequest(method: .GET, url: self.url(server, digest), headers: self.headers, followRedirects: true)
        }
        switch response.status {
        case 200: return response.body
        case 404: throw CrateDBError.blobNotFound(table: table, digest: digest)
        default: throw CrateDBError.server(ServerError(code: 0, message: "GET blob \(digest) in \(table)", status: response.status))
        }
    }

    /// Writes a blob to a file, streaming; returns the number of bytes written.
    @discardableResult
    public func get(_ digest: String, toFileAt path: String) async throws -> Int {
        let chunks = try await get(digest)
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CrateDBError.file(path: path, reason: "cannot create the file")
        }
        defer { try? handle.close() }
        var written = 0
        for try await chunk in chunks {
            do {
                try handle.write(contentsOf: chunk)
            } catch {
                throw CrateDBError.file(path: path, reason: "\(error)")
            }
            written += chunk.count
        }
        return written
    }

    /// Reads a file once to compute its SHA-1 digest, a megabyte at a time.
    public static func digest(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CrateDBError.file(path: path, reason: "cannot open the file for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA1()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw CrateDBError.file(path: path, reason: "\(error)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            chunk.withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) }
        }
        return hasher.finalizeHex()
    }

    // MARK: Requests

    private var headers: [(String, String)] {
        connection.blobHeaders
    }

    private func url(_ server: String, _ digest: String) -> String {
        "\(server)/_blobs/\(table)/\(digest)"
    }

    private func upload(_ body: HTTPBody, digest: String) async throws -> Bool {
        let response = try await request(.PUT, digest, body: body)
        switch response.status {
        case 201: return true
        case 409: return false
        case 400: throw CrateDBError.digestMismatch(table: table, digest: digest)
        case 404: throw CrateDBError.unknownBlobTable(table)
        default: throw unexpected(response, doing: "PUT", digest)
        }
    }

    private func request(_ method: HTTPMethod, _ digest: String, body: HTTPBody = .none) async throws -> HTTPResponse {
        try Self.validate(digest)
        return try await connection.send { server in
            HTTPRequest(method: method, url: self.url(server, digest), headers: self.headers, body: body, followRedirects: true)
        }
    }

    private func unexpected(_ response: HTTPResponse, doing method: String, _ digest: String) -> CrateDBError {
        var error = Connection.serverError(response, json: try? JSONParser.parse(response.body))
        error = ServerError(
            code: error.code, message: "\(method) blob \(digest) in \(table): \(error.message)", status: error.status)
        return .server(error)
    }

    /// CrateDB answers 404 for anything but 40 lowercase hex characters; say what is wrong instead.
    static func validate(_ digest: String) throws {
        let valid = digest.utf8.count == 40 && digest.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard valid else {
            throw CrateDBError.invalidConfiguration("\"\(digest)\" is not a blob digest: expected 40 lowercase hex characters (SHA-1)")
        }
    }
}
