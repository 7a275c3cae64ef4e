import Glibc

/// The datagram socket systemd listens on for sd_notify(3) messages, as NOTIFY_SOCKET names it.
///
/// This does what libsystemd's sd_notify does for AF_UNIX addresses (one SOCK_DGRAM datagram per message,
/// `/path` or `@abstract`), but takes the address as a value instead of reading the process environment on
/// every call: tests point it at a socket of their own without touching the environment other tests share,
/// and the daemon keeps one socket instead of opening one per message. systemd learns the sender's PID from
/// the kernel (SO_PASSCRED on its side), so nothing else is needed for NotifyAccess=main.
/// systemd >= 253 also accepts vsock addresses; Debian 12 has 252, so they are rejected here.
final class NotifySocket: Sendable {
    /// NOTIFY_SOCKET as given, for messages.
    let address: String
    private let descriptor: Int32
    /// A sockaddr_un, byte for byte, `addressLength` long.
    private let socketAddress: [UInt8]
    private let addressLength: socklen_t

    init(address: String) throws {
        var path = Array(address.utf8)
        guard let first = path.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else {
            throw SystemdError.unsupportedNotifySocket(address)
        }
        if first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace: sun_path starts with NUL

        var unixAddress = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: unixAddress.sun_path)
        // A path needs room for its terminating NUL; an abstract name is counted by length instead.
        guard path.count < capacity || (path[0] == 0 && path.count <= capacity) else {
            throw SystemdError.unsupportedNotifySocket(address)
        }
        unixAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &unixAddress.sun_path) { sunPath in
            sunPath.copyBytes(from: path)
        }
        // The length counts only the bytes used: for abstract names every byte is significant.
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        self.addressLength = socklen_t(pathOffset + path.count)
        self.socketAddress = withUnsafeBytes(of: unixAddress) { Array($0) }
        self.address = address

        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw SystemdError.notify(operation: "socket", socket: address, errno: errno)
        }
        // systemd reads its notify socket promptly; if it ever stops, a bounded send keeps the health thread
        // (and so the watchdog's verdict) from hanging behind it forever.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Sends `message` (newline-separated assignments such as "READY=1\nSTATUS=...") as one datagram.
    func send(_ message: String) throws {
        let payload = Array(message.utf8)
        // A datagram goes whole or not at all, so the byte count sendto returns needs no checking.
        _ = try socketAddress.withUnsafeBytes { address in
            try payload.withUnsafeBytes { bytes in
                try SystemdError.retryingInterrupts("sendto", socket: self.address) {
                    sendto(
                        descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL),
                        address.baseAddress!.assumingMemoryBound(to: sockaddr.self), addressLength)
                }
            }
        }
    }
}
