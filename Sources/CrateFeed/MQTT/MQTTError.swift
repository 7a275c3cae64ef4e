import CMosquitto
import Glibc

/// A libmosquitto failure, or a setting it cannot use, as one line that names what failed and why.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    /// libmosquitto's code (`MOSQ_ERR_*`), or nil for a problem found before calling the library.
    public let code: Int32?
    public let description: String

    init(_ description: String, code: Int32? = nil) {
        self.description = description
        self.code = code
    }

    /// The connection or its TLS handshake failed (as opposed to a bad argument): worth retrying.
    public var isConnectionFailure: Bool {
        guard let code else { return false }
        return MQTTError.connectionCodes.contains(code)
    }

    /// The one place a `MOSQ_ERR_*` code becomes a Swift error: throws "<what>: <reason>" unless `code` is success.
    /// Call it straight after the libmosquitto call, since the reason may come from `errno`.
    static func check(_ code: Int32, _ what: @autoclosure () -> String) throws {
        guard code != MOSQ_ERR_SUCCESS.rawValue else { return }
        throw MQTTError("\(what()): \(reason(code))", code: code)
    }

    /// libmosquitto's text for a code; for MOSQ_ERR_ERRNO and MOSQ_ERR_EAI the system's text
    /// ("Connection refused", "Name or service not known"), which says more than "Error defined by errno".
    static func reason(_ code: Int32) -> String {
        switch code {
        case MOSQ_ERR_ERRNO.rawValue:
            return String(cString: strerror(errno))
        case MOSQ_ERR_EAI.rawValue:
            // libmosquitto leaves getaddrinfo's return value in errno.
            return String(cString: gai_strerror(errno))
        default:
            // Its texts are sentences ("The connection was lost."); the period would end ours mid-line.
            let text = String(cString: mosquitto_strerror(code))
            return text.hasSuffix(".") ? String(text.dropLast()) : text
        }
    }

    /// Codes that mean the connection failed or ended, as opposed to a bad argument.
    static let connectionCodes: Set<Int32> = [
        MOSQ_ERR_NO_CONN.rawValue, MOSQ_ERR_CONN_REFUSED.rawValue, MOSQ_ERR_CONN_LOST.rawValue,
        MOSQ_ERR_TLS.rawValue, MOSQ_ERR_ERRNO.rawValue, MOSQ_ERR_EAI.rawValue, MOSQ_ERR_KEEPALIVE.rawValue,
        MOSQ_ERR_TLS_HANDSHAKE.rawValue, MOSQ_ERR_PROTOCOL.rawValue, MOSQ_ERR_AUTH.rawValue,
        MOSQ_ERR_LOOKUP.rawValue, MOSQ_ERR_TIMEOUT.rawValue, MOSQ_ERR_PROXY.rawValue,
    ]
}
