import Glibc
import Logging
import Synchronization

/// Reports the daemon's health to systemd from a thread of its own: STATUS= every `statusInterval` from the
/// snapshot the daemon supplies, and, when systemd set a watchdog, WATCHDOG=1 at half its interval while the
/// probe says the pipeline makes progress.
///
///     let mqttBeat = Heartbeat(), writerBeat = Heartbeat()
///     let notifier = SystemdNotifier()
///     let health = HealthReporter(
///         notifier: notifier, statusInterval: 5, snapshot: { pipeline.healthSnapshot() },
///         probe: .heartbeats(mqttLoop: mqttBeat, mqttStallLimit: 10, writer: writerBeat, writerStallLimit: 40))
///     health.start()            // before or after READY=1: it sends no READY itself
///     ...
///     notifier.stopping(); drain(); health.stop()
///
/// A dedicated thread rather than a task, so the pings keep their cadence however busy the cooperative pool
/// is, and stop only when the probe (or a hung snapshot closure) says the pipeline is stuck.
public final class HealthReporter: @unchecked Sendable {
    public let statusInterval: Double

    private let snapshot: @Sendable () -> HealthSnapshot
    private let sendStatus: @Sendable (String) -> Void
    private let watchdog: Watchdog?
    private let stopSignal = StopSignal()
    private let thread = Mutex<ThreadState>(.idle)

    private enum ThreadState {
        case idle
        case running(pthread_t)
        case stopped
    }

    // Health thread only (or the test driving `tick`).
    private var nextStatus = -Double.infinity
    private var lastCount: (time: Double, readings: UInt64)?
    private var lastLatency = LatencyHistogram()

    /// - Parameters:
    ///   - notifier: where STATUS= and WATCHDOG=1 go; its `watchdogInterval` (from WATCHDOG_USEC) turns the
    ///     watchdog on.
    ///   - statusInterval: seconds between STATUS= lines.
    ///   - snapshot: the daemon's current numbers; called on the health thread, must be quick.
    ///   - probe: whether the pipeline makes progress; see `ProgressProbe.heartbeats`.
    public convenience init(
        notifier: SystemdNotifier, statusInterval: Double = 5,
        snapshot: @escaping @Sendable () -> HealthSnapshot, probe: ProgressProbe,
        logger: Logger = Logger(label: "cratefeed.health")
    ) {
        self.init(
            statusInterval: statusInterval, watchdogInterval: notifier.watchdogInterval, snapshot: snapshot,
            probe: probe, logger: logger, sendStatus: { notifier.status($0) }, ping: { notifier.watchdog() })
    }

    /// The parts separately, for tests that record what would be sent.
    init(
        statusInterval: Double, watchdogInterval: Double?, snapshot: @escaping @Sendable () -> HealthSnapshot,
        probe: ProgressProbe, logger: Logger, sendStatus: @escaping @Sendable (String) -> Void,
        ping: @escaping @Sendable () -> Void
    ) {
        self.statusInterval = max(statusInterval, 0.01)
        self.snapshot = snapshot
        self.sendStatus = sendStatus
        self.watchdog = watchdogInterval.map { Watchdog(interval: $0, probe: probe, logger: logger, ping: ping) }
    }

    deinit {
        stop()
    }

    /// Starts the health thread; it sends a first STATUS= at once. A second call does nothing.
    public func start() {
        thread.withLock { state in
            guard case .idle = state else { return }
            var handle = pthread_t()
            // Ownership: the thread holds a +1 on self until its loop returns, so self outlives it.
            let created = pthread_create(&handle, nil, { argument in
                let reporter = Unmanaged<HealthReporter>.fromOpaque(argument!).takeRetainedValue()
                reporter.run()
                return nil
            }, Unmanaged.passRetained(self).toOpaque())
            if created == 0 {
                state = .running(handle)
            } else {
                Unmanaged.passUnretained(self).release()  // the thread never took its +1
                state = .stopped
            }
        }
    }

    /// Stops the thread and waits for it; no STATUS= or WATCHDOG=1 is sent after this returns.
    /// Idempotent. Call it after the drain, so the status keeps showing the backlog going down.
    public func stop() {
        let running: pthread_t? = thread.withLock { state in
            defer { state = .stopped }
            if case .running(let handle) = state { return handle }
            return nil
        }
        guard let running else { return }
        stopSignal.raise()
        if pthread_equal(running, pthread_self()) == 0 {
            pthread_join(running, nil)
        }
    }

    private func run() {
        while true {
            let next = tick(now: MonotonicClock.now())
            if stopSignal.wait(until: next) { return }
        }
    }

    /// Does what is due at `now` (watchdog first: it matters more than the status) and returns when the next
    /// thing is due.
    func tick(now: Double) -> Double {
        let nextPing = watchdog?.tick(now: now) ?? .infinity
        if now >= nextStatus {
            let current = snapshot()
            let rate = readingsPerSecond(now: now, received: current.readingsReceived)
            let interval = current.latency.subtracting(lastLatency)
            lastLatency = current.latency
            sendStatus(StatusLine.format(current, readingsPerSecond: rate, latencyP99: interval.percentile(0.99)))
            nextStatus = now + statusInterval
        }
        return min(nextPing, nextStatus)
    }

    /// Readings/s since the previous status; 0 for the first one, and when the counter went backwards.
    private func readingsPerSecond(now: Double, received: UInt64) -> Double {
        defer { lastCount = (now, received) }
        guard let last = lastCount, now > last.time, received >= last.readings else { return 0 }
        return Double(received - last.readings) / (now - last.time)
    }
}
