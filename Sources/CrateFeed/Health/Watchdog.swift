import Logging

/// Decides when to send WATCHDOG=1: at half the watchdog interval, and only while the probe says the pipeline
/// makes progress. A stuck pipeline stops the pings, so systemd kills and restarts cratefeed (WatchdogSec= with
/// Restart=on-failure); a CrateDB outage does not, because the writer keeps going round while it retries.
///
/// Not thread-safe: one thread (the `HealthReporter`'s) calls `tick`. Time comes in as an argument, so tests
/// drive it with a clock of their own.
final class Watchdog {
    /// WATCHDOG_USEC in seconds.
    let interval: Double
    private let probe: ProgressProbe
    private let ping: () -> Void
    private let logger: Logger

    private var nextCheck = -Double.infinity
    private var stalled = false

    /// - Parameter ping: sends WATCHDOG=1 (`SystemdNotifier.watchdog`).
    init(interval: Double, probe: ProgressProbe, logger: Logger, ping: @escaping () -> Void) {
        self.interval = interval
        self.probe = probe
        self.logger = logger
        self.ping = ping
    }

    /// Time between pings while alive: half the interval, as sd_watchdog_enabled(3) recommends.
    var pingPeriod: Double { interval / 2 }

    /// Time between checks while stuck: short, so a pipeline that recovers pings again well before systemd's
    /// deadline (the last ping plus `interval`).
    var recheckPeriod: Double { min(1, pingPeriod / 4) }

    /// Pings if a check is due and the pipeline is alive; returns when the next check is due.
    func tick(now: Double) -> Double {
        guard now >= nextCheck else { return nextCheck }
        let liveness = probe.liveness(now: now)
        if liveness.isAlive {
            if stalled {
                stalled = false
                logger.notice(
                    "pipeline makes progress again; watchdog pings to systemd resumed",
                    metadata: CrateFeedEvent.watchdogResumed.metadata())
            }
            ping()
            nextCheck = now + pingPeriod
        } else {
            if !stalled {
                stalled = true
                logger.error(
                    """
                    pipeline stuck (\(liveness.detail)); watchdog pings to systemd stopped, it restarts cratefeed \
                    within \(Int(interval)) s unless the pipeline recovers
                    """,
                    metadata: CrateFeedEvent.watchdogStalled.metadata())
            }
            nextCheck = now + recheckPeriod
        }
        return nextCheck
    }
}
