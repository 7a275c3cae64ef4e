/// An error CrateDB answered with: `{"error": {"message": "...", "code": N}}` and the HTTP status.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// CrateDB's error code, e.g. 4091 duplicate primary key, 4041 unknown relation, 4000 syntax or cast error.
    public let code: Int
    public let message: String
    public let status: Int
    /// Present when the request asked for `error_trace`.
    public let trace: String?

    public init(code: Int, message: String, status: Int, trace: String? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.trace = trace
    }

    init?(errorObject: SQLValue, status: Int, trace: String? = nil) {
        guard let message = errorObject["message"]?.stringValue else { return nil }
        self.init(code: errorObject["code"]?.intValue.map(Int.init) ?? 0, message: message, status: status, trace: trace)
    }

    public var isDuplicateKey: Bool { code == 4091 }
    public var isUnknownRelation: Bool { code == 4041 }
    /// Also a dynamic object's key that no row has had yet.
    public var isUnknownColumn: Bool { code == 4043 }
    public var isRelationExists: Bool { code == 4093 }
    public var isAuthenticationFailure: Bool { status == 401 }

    public var description: String { "\(message) (code \(code), HTTP \(status))" }
}

/// What a server failed with while a request was tried on it.
public struct ServerFailure: Sendable, CustomStringConvertible {
    public let server: String
    public let reason: String
    public var description: String { "\(server): \(reason)" }
}

/// Every error the CrateDB library throws.
public enum CrateDBError: Error, Sendable, CustomStringConvertible {
    /// CrateDB answered the request with an error.
    case server(ServerError)
    /// Every server was tried and failed; one entry per server, with its last failure.
    case noServerAvailable([ServerFailure])
    /// `server` received the whole request and began to answer, then the answer broke off (`reason`). The
    /// request may have been applied there, so it was not sent to another server; `server` is set aside.
    /// Resending is safe only for an idempotent request (`INSERT ... ON CONFLICT DO NOTHING`, a SELECT).
    case responseInterrupted(server: String, reason: String)
    /// The response could not be understood.
    case invalidResponse(String)
    /// A blob upload's content does not match the digest it was sent under.
    case digestMismatch(table: String, digest: String)
    /// The blob table does not exist.
    case unknownBlobTable(String)
    /// No blob with that digest in the table (or no such blob table).
    case blobNotFound(table: String, digest: String)
    /// A configuration value is unusable (a bad server URL, say).
    case invalidConfiguration(String)
    /// A local file could not be read or written.
    case file(path: String, reason: String)

    public var description: String {
        switch self {
        case .server(let error):
            return error.description
        case .noServerAvailable(let failures):
            return "no CrateDB server available: " + failures.map(\.description).joined(separator: "; ")
        case .responseInterrupted(let server, let reason):
            return "the answer from \(server) broke off after the request arrived, so it may have been applied "
                + "there (\(reason)); check before sending it again unless it is idempotent"
        case .invalidResponse(let what):
            return "invalid response from CrateDB: \(what)"
        case .digestMismatch(let table, let digest):
            return "blob \(digest) in table \(table): the content does not match the digest"
        case .unknownBlobTable(let table):
            return "blob table \(table) does not exist (create it with CREATE BLOB TABLE \(table))"
        case .blobNotFound(let table, let digest):
            return "blob \(digest) not found in blob table \(table)"
        case .invalidConfiguration(let what):
            return what
        case .file(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    /// The server's error when CrateDB itself answered with one.
    public var serverError: ServerError? {
        if case .server(let error) = self { return error }
        return nil
    }
}
