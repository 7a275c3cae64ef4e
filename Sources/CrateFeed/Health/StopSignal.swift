/// A flag one thread raises and another waits for with a deadline on CLOCK_MONOTONIC, so the wait neither
/// sleeps past `raise()` nor stretches or shrinks when the wall clock jumps (NTP at boot, a VM resumed).
final class StopSignal: @unchecked Sendable {
    private let condition = MonotonicCondition()
    private var raised = false  // guarded by condition

    func raise() {
        condition.withLock {
            raised = true
            condition.broadcast()
        }
    }

    /// Waits until `raise()` or until CLOCK_MONOTONIC reaches `deadline` (seconds); true if raised.
    func wait(until deadline: Double) -> Bool {
        condition.withLock {
            while !raised && MonotonicClock.now() < deadline {
                condition.wait(until: deadline)
            }
            return raised
        }
    }
}
