import Foundation

/// A connection to a CrateDB cluster: the Swift counterpart of `crate.client.connect(...)`.
///
/// It holds no session state on the server; every call is one HTTP request sent to the next active server.
/// A `Connection` is safe to share between tasks. Cursors and blob containers made from it share its servers.
public final class Connection: Sendable {
    public let configuration: ConnectionConfiguration
    let pool: ServerPool
    let transport: HTTPTransport
    private let baseHeaders: [(String, String)]
    /// Authorization only: blob requests carry no JSON.
    let blobHeaders: [(String, String)]
    private let sqlPath: String

    public init(_ configuration: ConnectionConfiguration) throws {
        self.configuration = configuration
        pool = ServerPool(servers: try configuration.validatedServers(), retryInterval: configuration.retryInterval)
        transport = try HTTPTransport(configuration: configuration.transport)
        var headers = [("Accept", "application/json")]
        if let username = configuration.username {
            let credentials = Data("\(username):\(configuration.password ?? "")".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(credentials)"))
        }
        if let schema = configuration.defaultSchema {
            headers.append(("Default-Schema", schema))
        }
        baseHeaders = headers
        blobHeaders = headers.filter { $0.0 == "Authorization" }
        sqlPath = configuration.errorTrace ? "/_sql?types=true&error_trace=true" : "/_sql?types=true"
    }

    public convenience init(
        servers: [String], username: String? = nil, password: String? = nil, defaultSchema: String? = nil
    ) throws {
        var configuration = ConnectionConfiguration(servers: servers)
        configuration.username = username
        configuration.password = password
        configuration.defaultSchema = defaultSchema
        try self.init(configuration)
    }

    /// Closes the connections to the servers. Calls made afterwards fail.
    public func close() {
        transport.shutdown()
    }

    /// Which servers are taking requests now, and why the others are not.
    public var servers: [ServerStatus] { pool.statuses }

    public func cursor() -> Cursor { Cursor(connection: self) }

    public func blobContainer(_ table: String) -> BlobContainer { BlobContainer(table: table, connection: self) }

    // MARK: SQL

    /// Runs one statement with `?` (or `$n`) parameters.
    @discardableResult
    public func execute(_ statement: String, _ arguments: [SQLValue] = []) async throws -> SQLResult {
        var body: [UInt8] = []
        body.reserveCapacity(statement.utf8.count + 64)
        body.append(contentsOf: #"{"stmt":"#.utf8)
        JSONWriter.writeString(statement, into: &body)
        if !arguments.isEmpty {
            body.append(contentsOf: #","args":"#.utf8)
            JSONWriter.write(.array(arguments), into: &body)
        }
        body.append(UInt8(ascii: "}"))
        return try SQLResult(json: try await postSQL(body))
    }

    /// Runs one INSERT/UPDATE/DELETE once per argument row with `bulk_args`, in one request.
    ///
    /// Rows CrateDB rejects one by one come back as `.failed` outcomes. When CrateDB rejects the whole request
    /// (HTTP 400, e.g. a value that cannot be cast to its column's type) nothing was applied and this throws
    /// `CrateDBError.server`; the caller can then find the bad rows by sending smaller batches.
    public func executeBulk(_ statement: String, _ rows: [[SQLValue]]) async throws -> BulkResult {
        var body: [UInt8] = []
        body.append(contentsOf: #"{"stmt":"#.utf8)
        JSONWriter.writeString(statement, into: &body)
        body.append(contentsOf: #","bulk_args":["#.utf8)
        for (position, row) in rows.enumerated() {
            if position > 0 { body.append(UInt8(ascii: ",")) }
            JSONWriter.write(.array(row), into: &body)
        }
        body.append(contentsOf: "]}".utf8)
        return try await executeBulk(body: body)
    }

    /// Sends a ready-made `/_sql` bulk body (`{"stmt": ..., "bulk_args": [...]}`); for writers that build the
    /// body directly from their input instead of going through `SQLValue`.
    public func executeBulk(body: [UInt8]) async throws -> BulkResult {
        let response = try await sendSQL(body)
        if response.status == 200, let result = BulkResult(compact: response.body) { return result }
        return try BulkResult(json: try Self.parseSQLResponse(response))
    }

    /// Runs a query and decodes each row into `T` by column name.
    public func query<T: Decodable>(_ type: T.Type, _ statement: String, _ arguments: [SQLValue] = []) async throws -> [T] {
        let result = try await execute(statement, arguments)
        return try RowDecoder().decode(type, from: result)
    }

    private func postSQL(_ body: [UInt8]) async throws -> SQLValue {
        try Self.parseSQLResponse(try await sendSQL(body))
    }

    private func sendSQL(_ body: [UInt8]) async throws -> HTTPResponse {
        try await send { server in
            HTTPRequest(
                method: .POST, url: server + self.sqlPath,
                headers: self.baseHeaders + [("Content-Type", "application/json")], body: .bytes(body))
        }
    }

    static func parseSQLResponse(_ response: HTTPResponse) throws -> SQLValue {
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200 else { throw CrateDBError.server(serverError(response, json: json)) }
        guard let json else { throw CrateDBError.invalidResponse("the /_sql answer is not JSON") }
        return json
    }

    /// CrateDB's error object when there is one; otherwise (a 401's plain text, a proxy's page) the status and
    /// the text, on one short line.
    static func serverError(_ response: HTTPResponse, json: SQLValue?) -> ServerError {
        if let json, let errorObject = json["error"],
            let error = ServerError(errorObject: errorObject, status: response.status, trace: json["error_trace"]?.stringValue)
        {
            return error
        }
        let text = ErrorText.oneLine(response.body, contentType: response.header("content-type"))
        return ServerError(code: 0, message: text.isEmpty ? "HTTP \(response.status)" : text, status: response.status)
    }

    // MARK: Rotation

    /// HTTP statuses that mean "this node cannot serve now; another may".
    static let unavailableStatuses: Set<Int> = [502, 503, 504, 509]

    /// Sends a request to the next active server, moving on to the next one when a server fails before it
    /// answers; a server whose answer breaks off after its head ends the request with
    /// `CrateDBError.responseInterrupted` instead.
    func send(_ makeRequest: (String) -> HTTPRequest) async throws -> HTTPResponse {
        try await rotate { server in
            let response = try await transport.execute(makeRequest(server))
            if Self.unavailableStatuses.contains(response.status) {
                let error = Self.serverError(response, json: try? JSONParser.parse(response.body))
                throw ServerUnavailable(reason: "HTTP \(response.status): \(error.message)")
            }
            return response
        }
    }

    /// Streams a response from the next active server, with the same rotation as `send`.
    func stream(chunkSize: Int, _ makeRequest: (String) -> HTTPRequest) async throws -> HTTPStreamingResponse {
        try await rotate { server in
            let response = try await transport.stream(makeRequest(server), chunkSize: chunkSize)
            if Self.unavailableStatuses.contains(response.status) {
                throw ServerUnavailable(reason: "HTTP \(response.status)")
            }
            return response
        }
    }

    private struct ServerUnavailable: Error {
        let reason: String
    }

    private func rotate<T>(_ attempt: (String) async throws -> T) async throws -> T {
        // Every failure sets a server aside, so the loop ends once none is active; the bound only guards
        // against other requests bringing servers back at the same moment.
        for _ in 0..<(pool.servers.count * 2 + 1) {
            let server = pool.next()
            do {
                return try await attempt(server)
            } catch TransportError.responseInterrupted(let status, let cause)
                where !Self.unavailableStatuses.contains(status)
            {
                // The node answered, so it ran the request; sending it to another node could apply it twice.
                pool.setAside(server, reason: "the response broke off: \(cause)")
                throw CrateDBError.responseInterrupted(server: server, reason: cause.description)
            } catch let error as TransportError {
                // A local file problem is not the server's fault: report it instead of trying the next node.
                if case .file(let path, let reason) = error { throw CrateDBError.file(path: path, reason: reason) }
                pool.setAside(server, reason: error.description)
            } catch let error as ServerUnavailable {
                pool.setAside(server, reason: error.reason)
            }
            if !pool.hasActiveServer { break }
        }
        throw CrateDBError.noServerAvailable(pool.failures)
    }
}
