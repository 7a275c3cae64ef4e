import CSystemd
import Glibc
import Logging
import Synchronization

/// Tells systemd how the service is doing (sd_notify(3)): READY, STATUS, WATCHDOG, STOPPING, RELOADING.
///
/// Every call is a no-op when the service was not started with NOTIFY_SOCKET (a terminal, a test), and no
/// call ever throws into the daemon: the first failure is logged once as a warning, later ones are dropped
/// (systemd then shows a stale status, and a missing watchdog ping restarts a daemon that cannot reach it).
public final class SystemdNotifier: Sendable {
    /// WATCHDOG_USEC in seconds when systemd watches this process (WatchdogSec= in the unit), else nil.
    /// Ping at half of it; `HealthReporter` does.
    public let watchdogInterval: Double?

    private let socket: NotifySocket?
    private let logger: Logger
    private let failureLogged = Atomic<Bool>(false)

    /// Reads what systemd hands a Type=notify service: NOTIFY_SOCKET, and WATCHDOG_USEC through
    /// sd_watchdog_enabled, which also checks WATCHDOG_PID so a child that inherited the variables does not ping.
    public convenience init(logger: Logger = Logger(label: "cratefeed.systemd")) {
        var microseconds: UInt64 = 0
        let watchdog = sd_watchdog_enabled(0, &microseconds) > 0 ? Double(microseconds) / 1_000_000 : nil
        let address = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        self.init(socketAddress: address, watchdogInterval: watchdog, logger: logger)
    }

    /// A notifier for an explicit socket address (`/path` or `@abstract`; nil or empty: do nothing) and
    /// watchdog interval: what tests use, without touching the process environment.
    public init(
        socketAddress: String?, watchdogInterval: Double?, logger: Logger = Logger(label: "cratefeed.systemd")
    ) {
        self.logger = logger
        self.watchdogInterval = watchdogInterval.flatMap { $0 > 0 ? $0 : nil }
        guard let socketAddress, !socketAddress.isEmpty else {
            self.socket = nil
            return
        }
        do {
            self.socket = try NotifySocket(address: socketAddress)
        } catch {
            self.socket = nil
            failureLogged.store(true, ordering: .relaxed)
            logger.warning("\(error)", metadata: ["notify_socket": "\(socketAddress)"])
        }
    }

    /// True when messages go somewhere (NOTIFY_SOCKET was set and usable).
    public var isEnabled: Bool { socket != nil }

    /// READY=1: startup is complete (MQTT subscribed, spool and writer running), or a reload finished.
    public func ready() { send("READY=1") }

    /// STATUS=: the one line `systemctl status` shows. Line breaks are replaced, as systemd shows one line.
    public func status(_ line: String) {
        var oneLine = "STATUS="
        oneLine.unicodeScalars.append(contentsOf: line.unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        send(oneLine)
    }

    /// WATCHDOG=1: the pipeline is alive. Only `Watchdog` should call this, and only after checking that.
    public func watchdog() { send("WATCHDOG=1") }

    /// STOPPING=1: shutdown (the drain) has begun.
    public func stopping() { send("STOPPING=1") }

    /// RELOADING=1 with MONOTONIC_USEC (systemd >= 253 uses it to match the reload to its request; older ones
    /// ignore it). Send `ready()` when the new configuration is in place, or was rejected.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)")
    }

    /// EXTEND_TIMEOUT_USEC: asks for `seconds` more than the start or stop timeout, from now, for a long
    /// startup or drain; repeat before it runs out to extend again.
    public func extendTimeout(seconds: Double) {
        send("EXTEND_TIMEOUT_USEC=\(UInt64(max(0, seconds) * 1_000_000))")
    }

    /// Sends raw newline-separated assignments as one datagram.
    public func send(_ message: String) {
        guard let socket else { return }
        do {
            try socket.send(message)
        } catch {
            // Once is enough: a broken notify socket would otherwise repeat this every few seconds forever.
            if !failureLogged.exchange(true, ordering: .relaxed) {
                logger.warning(
                    "\(error); further notification failures are not logged",
                    metadata: ["notify_socket": "\(socket.address)"])
            }
        }
    }
}
