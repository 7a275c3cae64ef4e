import Foundation
import Glibc

/// What systemd does with NOTIFY_SOCKET, for tests: a bound SOCK_DGRAM socket that receives notification
/// datagrams and the sender's credentials (SO_PASSCRED, which is how systemd tells the main PID's messages
/// from others'). Bound to a fresh path (or abstract name); removed and closed in `close()` / deinit.
final class NotifySocketReader: @unchecked Sendable {
    struct Datagram {
        let text: String
        let senderPID: pid_t
    }

    /// The NOTIFY_SOCKET value to give the code under test.
    let address: String
    private let descriptor: Int32
    private let directory: String?

    /// - Parameter abstract: bind an abstract name (`@...`) instead of a path in a temporary directory.
    init(abstract: Bool = false) throws {
        let directory: String?
        let address: String
        if abstract {
            directory = nil
            address = "@cratefeed-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        } else {
            var template = Array((NSTemporaryDirectory() + "/cratefeed-notify-XXXXXX").utf8CString)
            guard mkdtemp(&template) != nil else { throw NotifySocketReaderError("mkdtemp: errno \(errno)") }
            directory = String(cString: template)
            address = directory! + "/notify"
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NotifySocketReaderError("socket: errno \(errno)") }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size))

        var unixAddress = sockaddr_un()
        unixAddress.sun_family = sa_family_t(AF_UNIX)
        var path = Array(address.utf8)
        if abstract { path[0] = 0 }
        withUnsafeMutableBytes(of: &unixAddress.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + path.count)
        let bound = withUnsafePointer(to: &unixAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw NotifySocketReaderError("bind \(address): errno \(code)")
        }
        self.address = address
        self.descriptor = descriptor
        self.directory = directory
    }

    deinit {
        Glibc.close(descriptor)
        if let directory {
            unlink(directory + "/notify")
            rmdir(directory)
        }
    }

    /// The next datagram, or nil if none arrives within `timeout` seconds.
    func receive(timeout: Double) -> Datagram? {
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000).rounded(.up))
            let ready = poll(&pollDescriptor, 1, remaining)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return nil }
            break
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    let count = recvmsg(descriptor, &message, 0)
                    return (count, message.msg_controllen)
                }
            }
        }
        guard count.0 >= 0 else { return nil }
        return Datagram(
            text: String(decoding: buffer[0..<count.0], as: UTF8.self),
            senderPID: Self.senderPID(control: control, length: count.1))
    }

    /// Every datagram that arrives within `window` seconds.
    func receiveAll(for window: Double) -> [Datagram] {
        let deadline = Date().addingTimeInterval(window)
        var datagrams: [Datagram] = []
        while case let remaining = deadline.timeIntervalSinceNow, remaining > 0,
            let datagram = receive(timeout: remaining)
        {
            datagrams.append(datagram)
        }
        return datagrams
    }

    /// The pid from the SCM_CREDENTIALS control message the kernel attached; -1 when there is none.
    /// Glibc exposes neither `struct ucred` nor SCM_CREDENTIALS without _GNU_SOURCE, hence the constants:
    /// SCM_CREDENTIALS is 2 and ucred starts with the pid (pid, uid, gid: three 32-bit fields).
    private static func senderPID(control: [UInt8], length: Int) -> pid_t {
        let scmCredentials: Int32 = 2
        let headerSize = MemoryLayout<cmsghdr>.size
        guard length >= headerSize + 3 * MemoryLayout<Int32>.size else { return -1 }
        return control.withUnsafeBytes { bytes in
            let header = bytes.loadUnaligned(as: cmsghdr.self)
            guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == scmCredentials else { return -1 }
            return bytes.loadUnaligned(fromByteOffset: headerSize, as: pid_t.self)
        }
    }
}

struct NotifySocketReaderError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
