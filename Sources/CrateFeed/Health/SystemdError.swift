import Glibc

/// What went wrong talking to systemd: the one place errno values from the notify socket and negative returns
/// from libsystemd become typed Swift errors.
public enum SystemdError: Error, Equatable, CustomStringConvertible {
    /// NOTIFY_SOCKET is not a path (`/...`) or abstract (`@...`) AF_UNIX address that fits in sun_path.
    case unsupportedNotifySocket(String)
    /// socket(2) or sendto(2) on the notify socket failed.
    case notify(operation: String, socket: String, errno: Int32)
    /// sd_journal_sendv returned a negative errno.
    case journal(errno: Int32)

    public var description: String {
        switch self {
        case .unsupportedNotifySocket(let address):
            return "NOTIFY_SOCKET=\(address) is not an AF_UNIX path or abstract socket address; "
                + "cratefeed sends no notifications to systemd"
        case .notify(let operation, let socket, let code):
            return "\(operation) on the systemd notify socket \(socket) failed: \(Self.text(code))"
        case .journal(let code):
            return "sending to journald failed: \(Self.text(code))"
        }
    }

    /// Retries `call` while it fails with EINTR; throws `.notify` with errno for any other failure.
    static func retryingInterrupts(_ operation: String, socket: String, _ call: () -> Int) throws -> Int {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw SystemdError.notify(operation: operation, socket: socket, errno: code) }
        }
    }

    /// `r` as libsystemd returns it: 0 or more is success, a negative value is -errno.
    static func checkJournal(_ r: Int32) throws {
        if r < 0 { throw SystemdError.journal(errno: -r) }
    }

    private static func text(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
