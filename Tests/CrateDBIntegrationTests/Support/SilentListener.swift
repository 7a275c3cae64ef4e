import Foundation
import IntegrationSupport

/// A TCP port on 127.0.0.1 that never answers a connection attempt: it listens but never accepts, and its
/// accept queue is kept full, so the kernel drops every further SYN. A client's connect neither succeeds nor
/// fails until its own connect timeout: a local, deterministic stand-in for an unreachable host.
final class SilentListener {
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private var fillers: [Int32] = []
    private var stopped = false

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, 0) == 0 else {
            close(descriptor)
            throw TestSupportError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        // Connect until one attempt hangs: from then on the queue is full and SYNs go unanswered.
        for _ in 0..<16 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var target = Self.loopback(port: port)
            _ = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var poller = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
            if poll(&poller, 1, 300) == 0 {
                close(client)
                return
            }
            fillers.append(client)
        }
        stop()
        throw TestSupportError("the accept queue of a listening socket never filled up")
    }

    deinit { stop() }

    /// Closes the sockets, once: a descriptor number closed twice may by then belong to another test.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for descriptor in fillers { close(descriptor) }
        fillers = []
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
