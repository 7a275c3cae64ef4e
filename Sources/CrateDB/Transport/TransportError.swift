/// Why a request got no complete HTTP response. An HTTP error status is not a `TransportError`: it is a
/// response.
///
/// The messages are one line and name the URL's scheme, host and port (never its user info or any header),
/// e.g. "connection refused (http://127.0.0.1:4201)", so they can go to a log as they are.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    /// Connection refused, host unreachable, name not resolved.
    case connectFailed(String)
    /// The connect timeout or the request timeout (or the stall timeout) expired.
    case timedOut(String)
    /// TLS handshake, certificate or host name verification failed, or a CA/certificate/key file is unusable.
    case tls(String)
    /// The peer closed the connection or it failed before the response head was complete: empty reply, send
    /// or receive error (after the head it is `responseInterrupted`). Also what requests in flight get when
    /// the transport shuts down.
    case connectionClosed(String)
    /// The final response head had arrived (HTTP `status`) when the transfer failed with `cause`: the server
    /// got the whole request and may have acted on it, so sending it again may apply it twice.
    indirect case responseInterrupted(status: Int, cause: TransportError)
    /// Reading the upload file failed.
    case file(path: String, String)
    /// Anything else, with libcurl's error code (see libcurl-errors(3)).
    case other(code: Int32, String)

    public var description: String {
        switch self {
        case .connectFailed(let message), .timedOut(let message), .tls(let message),
            .connectionClosed(let message):
            return message
        case .responseInterrupted(let status, let cause):
            return "the response (HTTP \(status)) broke off: \(cause)"
        case .file(let path, let message):
            return "\(path): \(message)"
        case .other(let code, let message):
            return "\(message) (curl error \(code))"
        }
    }
}
