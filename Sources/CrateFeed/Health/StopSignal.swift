import Glibc

/// A flag one thread raises and another waits for with a deadline on CLOCK_MONOTONIC, so the wait neither
/// sleeps past `stop()` nor stretches or shrinks when the wall clock jumps (NTP at boot, a VM resumed).
final class StopSignal: @unchecked Sendable {
    // Heap-allocated: pthread objects must not move, and Swift may move stored properties of value type.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var raised = false  // guarded by mutex

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func raise() {
        pthread_mutex_lock(mutex)
        raised = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until `raise()` or until CLOCK_MONOTONIC reaches `deadline` (seconds); true if raised.
    func wait(until deadline: Double) -> Bool {
        var target = timespec()
        let clamped = min(max(deadline, 0), Double(Int32.max))
        target.tv_sec = Int(clamped)
        target.tv_nsec = Int((clamped - Double(Int(clamped))) * 1e9)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !raised {
            // ETIMEDOUT ends the wait; spurious wake-ups and EINTR go round again.
            if pthread_cond_timedwait(condition, mutex, &target) == ETIMEDOUT { break }
        }
        return raised
    }
}
