import Foundation

/// The write end of the self-pipe; the signal handler can only touch globals.
private nonisolated(unsafe) var signalPipeWriteEnd: Int32 = -1

/// Turns SIGTERM, SIGINT and SIGHUP into bytes on a pipe that the main thread reads with a timeout.
///
/// A handler (rather than a blocked signal mask) works whichever thread the kernel picks, including threads
/// that libcurl, libmosquitto or the Swift runtime started before the mask could be set. The handler does
/// the one async-signal-safe thing: write(2) the signal number.
final class SignalWaiter {
    private let readEnd: Int32

    init(_ signals: [Int32]) {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        readEnd = fds[0]
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        signalPipeWriteEnd = fds[1]
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
        // A parent may have started us with these signals blocked (a blocked mask survives exec); unblock them
        // here so at least this thread takes them.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in signals { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The next signal, or nil after the timeout.
    func wait(timeout: Double) -> Int32? {
        var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var byte: UInt8 = 0
        guard read(readEnd, &byte, 1) == 1 else { return nil }
        return Int32(byte)
    }
}
