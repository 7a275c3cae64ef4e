import Glibc

/// A duplicate of a connection's socket, taken just before libmosquitto writes DISCONNECT and closes its own
/// descriptor, so that the connection ends cleanly.
///
/// Closing a TCP socket whose receive buffer still holds data makes the kernel reset the connection, and the
/// broker then drops what it had not read yet: the last acknowledgements, even the DISCONNECT. A broker that is
/// sending fast (a resumed session's backlog) always has data on the way, so every pause would lose its
/// acknowledgements and the broker would send the same messages again after each resume, for ever. The
/// duplicate keeps the connection open past libmosquitto's close; `finish` half-closes it and reads what the
/// broker still sends (unacknowledged, so it comes again with the session) until the broker closes its side.
struct LingeringSocket {
    private let descriptor: Int32

    /// Nil when there is no socket or it cannot be duplicated (then the close is as abrupt as before).
    init?(duplicating socket: Int32) {
        guard socket >= 0 else { return nil }
        let copy = fcntl(socket, F_DUPFD_CLOEXEC, 0)  // close-on-exec, like every descriptor cratefeed opens
        guard copy >= 0 else { return nil }
        descriptor = copy
    }

    /// Sends FIN after everything written, drops what arrives until the broker closes (or `timeout` seconds
    /// pass: a broker that never closes gets the reset after all), then closes the duplicate.
    func finish(timeout: Double) {
        defer { close(descriptor) }
        guard shutdown(descriptor, Int32(SHUT_WR)) == 0 else { return }
        let deadline = MonotonicClock.now() + timeout
        withUnsafeTemporaryAllocation(byteCount: 65536, alignment: 16) { buffer in
            while true {
                let remaining = deadline - MonotonicClock.now()
                guard remaining > 0 else { return }
                var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&readable, 1, Int32(min(remaining * 1000 + 1, 1000)))
                if ready < 0 && errno != EINTR { return }
                if ready <= 0 { continue }
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                if count == 0 { return }  // the broker closed its side: nothing unread is left
                if count < 0 && errno != EINTR && errno != EAGAIN { return }
            }
        }
    }
}
