import CCurl
import Glibc

/// The one place that turns libcurl's result codes into typed Swift errors.
enum CurlError {
    /// The error for a transfer that ended with `code`.
    /// - Parameters:
    ///   - detail: the easy handle's CURLOPT_ERRORBUFFER text, more specific than `curl_easy_strerror`; may be empty.
    ///   - osErrno: CURLINFO_OS_ERRNO, the errno of a failed connect; 0 when unknown.
    ///   - url: the URL the transfer was at (after redirects); only its scheme, host and port are shown.
    static func transportError(_ code: CURLcode, detail: String, osErrno: Int32, url: String) -> TransportError {
        let origin = origin(of: url)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let message = "\(text) (\(origin))"
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            // "connection refused" says it all; curl's text repeats host and port and adds timings.
            if code == CURLE_COULDNT_CONNECT, osErrno != 0 {
                return .connectFailed("\(String(cString: strerror(osErrno)).lowercased()) (\(origin))")
            }
            return .connectFailed(message)
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
            CURLE_USE_SSL_FAILED:
            return .tls(message)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_SEND_ERROR:
            return .connectionClosed(message)
        default:
            return .other(code: Int32(code.rawValue), message)
        }
    }

    /// Throws when a setup call (an option, the multi handle) failed: an unsupported option or out of memory.
    static func check(_ code: CURLcode, _ operation: @autoclosure () -> String) throws {
        guard code != CURLE_OK else { return }
        throw TransportError.other(
            code: Int32(code.rawValue), "\(operation()): \(String(cString: curl_easy_strerror(code)))")
    }

    static func check(_ code: CURLMcode, _ operation: @autoclosure () -> String) throws {
        guard code != CURLM_OK else { return }
        throw TransportError.other(
            code: Int32(code.rawValue), "\(operation()): \(String(cString: curl_multi_strerror(code)))")
    }

    /// `scheme://host:port` of `url`, with the default port filled in and any user info dropped, so that
    /// credentials in a URL never reach an error message.
    static func origin(of url: String) -> String {
        guard let separator = url.firstRange(of: "://") else { return "unparsable URL" }
        let scheme = url[..<separator.lowerBound].lowercased()
        var authority = url[separator.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        // A port follows the last ':' unless that ':' is inside an IPv6 literal "[...]".
        let hasPort = authority.lastIndex(of: ":").map { colon in
            authority.lastIndex(of: "]").map { $0 < colon } ?? true
        } ?? false
        if hasPort { return "\(scheme)://\(authority)" }
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(authority):\(defaultPort)"
    }
}
