import CCurl

/// One libcurl easy handle and its error buffer. The event loop pools these and uses them on its thread only.
/// Connections are not kept here but in the multi handle's connection cache, so any handle can reuse any
/// idle connection.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer  // CURL *
    /// CURLOPT_ERRORBUFFER: libcurl writes a specific message here when a transfer fails.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() throws {
        guard let raw = curl_easy_init() else {
            throw TransportError.other(code: Int32(CURLE_FAILED_INIT.rawValue), "curl_easy_init failed")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// The transport-wide options, with the request's own timeouts where it has them, set on a handle fresh
    /// from `curl_easy_init` or `reset`.
    func prepare(_ configuration: TransportConfiguration, for request: HTTPRequest) throws {
        errorBuffer[0] = 0
        try set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
        // No SIGALRM for DNS timeouts: signals and a multi-threaded process do not mix.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TCP_NODELAY, 1)
        // Probe idle pooled connections, so a node that vanished is noticed before a request is sent on it.
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_TCP_KEEPIDLE, 30)
        try set(CURLOPT_TCP_KEEPINTVL, 10)
        // CrateDB speaks HTTP/1.1; keep-alive connections are pooled, one request at a time each.
        try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        // Never let a URL or a redirect Location lead to file://, ftp:// or any other scheme libcurl knows.
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // With an https_proxy, only the target's head reaches the header callback, not the proxy's CONNECT answer.
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)

        try set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
        let timeout = request.timeout ?? configuration.requestTimeout
        if timeout > 0 {
            try set(CURLOPT_TIMEOUT_MS, milliseconds(timeout))
        } else {
            // A whole-transfer limit would cut off big blob streams; a stalled one is cut off instead.
            let stall = request.stallTimeout ?? configuration.stallTimeout
            try set(CURLOPT_LOW_SPEED_LIMIT, 1)
            try set(CURLOPT_LOW_SPEED_TIME, max(1, Int(stall.rounded(.up))))
        }

        let tls = configuration.tls
        try set(CURLOPT_SSL_VERIFYPEER, tls.verifyPeer ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, tls.verifyPeer ? 2 : 0)  // 2: the certificate must name the host
        if let path = tls.caCertPath { try set(CURLOPT_CAINFO, path) }
        if let path = tls.clientCertPath { try set(CURLOPT_SSLCERT, path) }
        if let path = tls.clientKeyPath { try set(CURLOPT_SSLKEY, path) }
    }

    /// Clears every option (and so every pointer to a finished transfer) but keeps the DNS and TLS session
    /// caches, so the handle can serve the next request.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
    }

    var errorText: String { String(cString: errorBuffer) }

    // MARK: Options, one setter per argument type of the variadic curl_easy_setopt

    func set(_ option: CURLoption, _ value: Int) throws {
        try CurlError.check(CCurl_easy_setopt_long(raw, option, value), "curl option \(option.rawValue)")
    }

    func set(_ option: CURLoption, size: Int64) throws {
        try CurlError.check(CCurl_easy_setopt_int64(raw, option, curl_off_t(size)), "curl option \(option.rawValue)")
    }

    /// libcurl copies the string.
    func set(_ option: CURLoption, _ value: String) throws {
        try CurlError.check(CCurl_easy_setopt_string(raw, option, value), "curl option \(option.rawValue)")
    }

    /// libcurl keeps the pointer: whatever it points to must outlive the transfer.
    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try CurlError.check(CCurl_easy_setopt_ptr(raw, option, pointer), "curl option \(option.rawValue)")
    }

    /// libcurl keeps the list: it must outlive the transfer.
    func set(_ option: CURLoption, list: UnsafeMutablePointer<curl_slist>?) throws {
        try CurlError.check(CCurl_easy_setopt_slist(raw, option, list), "curl option \(option.rawValue)")
    }

    // MARK: Information about the last transfer

    func info(long info: CURLINFO) -> Int {
        var value = 0
        return CCurl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : 0
    }

    func info(string info: CURLINFO) -> String? {
        var value: UnsafePointer<CChar>?
        guard CCurl_easy_getinfo_string(raw, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    private func milliseconds(_ seconds: Double) -> Int {
        Int((seconds * 1000).rounded(.up))
    }
}
