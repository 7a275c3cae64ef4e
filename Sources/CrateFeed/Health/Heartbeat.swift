import Synchronization

/// When a loop last went round: the MQTT network loop and the writer loop each `beat()` once per iteration,
/// and the watchdog reads how long ago that was.
///
/// One clock read and one relaxed atomic store per beat, so it is fine on a busy loop.
public final class Heartbeat: Sendable {
    /// The last beat, as the bit pattern of a `MonotonicClock` reading (a Double) so it fits an atomic.
    private let last: Atomic<UInt64>

    /// Starts as if it had just beaten: a loop that has not begun yet is not stuck yet.
    public convenience init() {
        self.init(at: MonotonicClock.now())
    }

    init(at now: Double) {
        last = Atomic(now.bitPattern)
    }

    /// The loop went round.
    public func beat() {
        beat(at: MonotonicClock.now())
    }

    func beat(at now: Double) {
        last.store(now.bitPattern, ordering: .relaxed)
    }

    /// Seconds since the last beat at `now` (a `MonotonicClock` reading); 0 if `now` is earlier than it.
    public func silence(now: Double) -> Double {
        max(0, now - Double(bitPattern: last.load(ordering: .relaxed)))
    }
}
