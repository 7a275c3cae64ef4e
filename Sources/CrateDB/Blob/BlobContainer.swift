import Foundation

/// One blob table, as the official client's `connection.get_blob_container(name)`.
///
/// Blobs are addressed by the SHA-1 digest of their content. Uploads from files and downloads stream, so a
/// blob of any size passes without being held in memory.
public struct BlobContainer: Sendable {
    public let table: String
    let connection: Connection
    /// Seconds an upload (put) or a download (get) may go without moving a byte before it is given up and,
    /// when nothing has been answered yet, tried on the next server. Blob transfers have no limit on their
    /// whole duration: a large blob or a slow consumer takes as long as it takes. Defaults to the connection's
    /// `transport.stallTimeout`, or its `requestTimeout` when that is shorter; whole seconds, at least 1.
    public var stallTimeout: Double

    init(table: String, connection: Connection) {
        self.table = table
        self.connection = connection
        // A connection that gives a whole request less time expects a silent node to be left as soon: a
        // writer watched by a watchdog relies on that.
        let transport = connection.configuration.transport
        stallTimeout = transport.requestTimeout > 0
            ? min(transport.stallTimeout, transport.requestTimeout) : transport.stallTimeout
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
            HTTPRequest(
                method: .GET, url: self.url(server, digest), headers: self.headers, followRedirects: true,
                timeout: 0, stallTimeout: stallTimeout)
        }
        switch response.status {
        case 200: return response.body
        case 404: throw CrateDBError.blobNotFound(table: table, digest: digest)
        default: throw CrateDBError.server(ServerError(code: 0, message: "GET blob \(digest) in \(table)", status: response.status))
        }
    }

    /// Writes a blob into a file, streaming; returns the number of bytes written.
    ///
    /// The path is opened and truncated as a shell's `>` does, never replaced: a symbolic link is followed, and
    /// a FIFO or a device (`/dev/stdout`) is written to. A new file gets mode 0644 less the umask. Nothing is
    /// opened when the blob cannot be fetched; when the transfer fails midway, a file this call created is
    /// removed, and one that was there keeps what was written.
    @discardableResult
    public func get(_ digest: String, toFileAt path: String) async throws -> Int {
        let chunks = try await get(digest)
        let (descriptor, created) = Self.openForWriting(path)
        guard descriptor >= 0 else {
            throw CrateDBError.file(path: path, reason: "cannot open for writing: \(Self.systemError())")
        }
        defer { close(descriptor) }
        do {
            return try await Self.copy(chunks, to: descriptor, name: path)
        } catch {
            if created { unlink(path) }
            throw error
        }
    }

    /// Writes a blob to an open file descriptor (standard output, say), streaming; returns the bytes written.
    @discardableResult
    public func get(_ digest: String, toFileDescriptor descriptor: Int32) async throws -> Int {
        try await Self.copy(try await get(digest), to: descriptor, name: "file descriptor \(descriptor)")
    }

    /// Reads a file once to compute its SHA-1 digest, a megabyte at a time. Only a regular file will do: an
    /// upload reads it a second time.
    public static func digest(ofFileAt path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw CrateDBError.file(path: path, reason: "cannot open: \(systemError())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CrateDBError.file(path: path, reason: "cannot stat: \(systemError())")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw CrateDBError.file(path: path, reason: "is a directory, not a file")
        default: throw CrateDBError.file(path: path, reason: "is not a regular file")
        }
        var hasher = SHA1()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CrateDBError.file(path: path, reason: "cannot read: \(systemError())")
            }
            if count == 0 { break }
            buffer.withUnsafeBufferPointer { hasher.update(UnsafeBufferPointer(rebasing: $0[..<count])) }
        }
        return hasher.finalizeHex()
    }

    // MARK: Files

    /// Opens `path` for writing; `created` when it is a new regular file, the only kind this may remove again.
    private static func openForWriting(_ path: String) -> (descriptor: Int32, created: Bool) {
        let new = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if new >= 0 || errno != EEXIST { return (new, new >= 0) }
        // Something is there (a file, a FIFO, a device, a symbolic link, even a dangling one): write through it.
        return (open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644), false)
    }

    private static func copy(_ chunks: HTTPBodyStream, to descriptor: Int32, name: String) async throws -> Int {
        var written = 0
        for try await chunk in chunks {
            try chunk.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw CrateDBError.file(path: name, reason: "cannot write: \(systemError())")
                    }
                    offset += count
                }
            }
            written += chunk.count
        }
        return written
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
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
        // An upload takes as long as it keeps moving; HEAD and DELETE keep the connection's request timeout.
        let isUpload = method == .PUT
        return try await connection.send { server in
            HTTPRequest(
                method: method, url: self.url(server, digest), headers: self.headers, body: body, followRedirects: true,
                timeout: isUpload ? 0 : nil, stallTimeout: isUpload ? stallTimeout : nil)
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
