/// A response whose head is in and whose body is still arriving, see `HTTPTransport.stream(_:chunkSize:)`.
public struct HTTPStreamingResponse: Sendable {
    public let status: Int
    /// Header names lowercased, as in `HTTPResponse.headers`.
    public let headers: [String: String]
    public let body: HTTPBodyStream

    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
