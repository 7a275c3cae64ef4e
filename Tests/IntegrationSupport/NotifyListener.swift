import CrateDB
import Foundation

/// A datagram socket standing in for systemd's NOTIFY_SOCKET: the daemon under test sends READY=1, STATUS=...
/// and WATCHDOG=1 here, and the test reads them in order.
public final class NotifyListener: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let messages = Locked<[String]>([])
    private var reader: Thread?
    private let stopped = Locked(false)

    public init() throws {
        path = NSTemporaryDirectory() + "cratefeed-notify-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket(AF_UNIX) failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind(\(path)) failed: errno \(errno)") }
        // Read continuously: the kernel queues only a few datagrams per socket, and a sender that finds the
        // queue full drops its notification.
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) { drain(timeout: 0.2) }
            Glibc.close(fd)
        }
        reader = thread
        thread.start()
    }

    deinit {
        unlink(path)
    }

    /// Stops reading and closes the socket.
    public func close() {
        stopped.withLock { $0 = true }
        unlink(path)
    }

    /// Every datagram received so far (each may hold several newline-separated assignments).
    public func received() -> [String] {
        messages.withLock { $0 }
    }

    /// Waits until a received datagram contains `text`, reading as they come; false after the deadline.
    public func wait(for text: String, timeout: Double = 60, after index: Int = 0) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if received().dropFirst(index).contains(where: { $0.contains(text) }) { return true }
            guard deadline.timeIntervalSinceNow > 0 else { return false }
            usleep(20_000)
        }
    }

    private func drain(timeout: Double) {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var wait = Int32(timeout * 1000)
        while poll(&poller, 1, wait) > 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            messages.withLock { $0.append(String(decoding: buffer[..<count], as: UTF8.self)) }
            wait = 0
        }
    }
}
