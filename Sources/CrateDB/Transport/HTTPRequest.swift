/// One HTTP request as the transport sends it.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Sent as given, in order. `Content-Length` is always computed by the transport (a caller's value is
    /// dropped, it could not match a compressed body); an empty value is sent as an empty header.
    public var headers: [(String, String)]
    /// Sent with POST, PUT and DELETE; GET and HEAD send none.
    public var body: HTTPBody
    /// Follow 301/302/303/307/308 keeping the method, the body and the `Authorization` header, also to another
    /// host: CrateDB answers blob requests with a 307 to the node that holds the blob.
    public var followRedirects: Bool
    /// Seconds for this whole request instead of the transport's `requestTimeout`; 0 = no limit, so that
    /// only `stallTimeout` cuts it off (what a large blob transfer needs). Nil: the transport's.
    public var timeout: Double?
    /// Seconds without progress after which a request with no whole-request limit is cut off, instead of the
    /// transport's `stallTimeout`. Nil: the transport's.
    public var stallTimeout: Double?

    public init(
        method: HTTPMethod,
        url: String,
        headers: [(String, String)] = [],
        body: HTTPBody = .none,
        followRedirects: Bool = false,
        timeout: Double? = nil,
        stallTimeout: Double? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
        self.timeout = timeout
        self.stallTimeout = stallTimeout
    }
}
