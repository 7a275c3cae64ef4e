/// Settings shared by every request of one `HTTPTransport`.
///
/// Proxies: like the Python client (urllib3) and the curl tool, the transport honours the `http_proxy`,
/// `https_proxy` and `no_proxy` environment variables (libcurl's default; it ignores upper-case `HTTP_PROXY`).
/// A daemon run by systemd gets none of them unless its unit sets them.
public struct TransportConfiguration: Sendable {
    /// Seconds to establish a connection (TCP and TLS).
    public var connectTimeout: Double = 5
    /// Seconds for a whole request, including waiting for a free connection; 0 = no limit. Blob uploads and
    /// downloads (`BlobContainer` put and get) have no such limit, see `stallTimeout`.
    public var requestTimeout: Double = 60
    /// For blob uploads and downloads (see `BlobContainer.stallTimeout`), and for every request when
    /// `requestTimeout` is 0: abort a transfer that moves less than one byte per second for this many seconds
    /// (whole seconds, at least 1; time paused by a slow stream consumer does not count), so a long transfer
    /// is not cut off but a stalled one is.
    public var stallTimeout: Double = 30
    /// `.bytes` bodies of at least this size are sent gzip-compressed with `Content-Encoding: gzip`, as the
    /// Python client does for 8 KiB and more; nil = never.
    public var gzipThreshold: Int? = 8192
    /// Concurrent connections to one host:port; further requests wait for a free connection.
    public var maxConnectionsPerHost: Int = 8
    public var tls = TLSConfiguration()

    public init(
        connectTimeout: Double = 5,
        requestTimeout: Double = 60,
        stallTimeout: Double = 30,
        gzipThreshold: Int? = 8192,
        maxConnectionsPerHost: Int = 8,
        tls: TLSConfiguration = TLSConfiguration()
    ) {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.stallTimeout = stallTimeout
        self.gzipThreshold = gzipThreshold
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.tls = tls
    }
}
