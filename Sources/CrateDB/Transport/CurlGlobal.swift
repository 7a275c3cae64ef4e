import CCurl

/// libcurl's process-wide setup (curl_global_init), done once, before the first handle is made. Never undone:
/// curl_global_cleanup is not thread-safe and the process ends soon enough.
enum CurlGlobal {
    // A static let is initialised exactly once, thread-safely, on first use.
    private static let status: CURLcode = curl_global_init(CCurl_GLOBAL_DEFAULT)

    static func initialize() throws {
        try CurlError.check(status, "curl_global_init")
    }
}
