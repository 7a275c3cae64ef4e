/// A complete response, body in memory.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased; repeated headers joined with ", ". Those of the final response after redirects.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
