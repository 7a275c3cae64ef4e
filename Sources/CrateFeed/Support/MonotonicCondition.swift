import Glibc

/// A mutex with a condition variable that times out on CLOCK_MONOTONIC, so a wait neither stretches nor
/// shrinks when the wall clock jumps (as NSCondition's would).
final class MonotonicCondition: @unchecked Sendable {
    // Heap-allocated: pthread objects must not move, and Swift may move stored properties of value type.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

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

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every waiter; call it inside `withLock` after changing what they wait for.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Inside `withLock`: releases the lock until a broadcast, `deadline` (MonotonicClock seconds) or a
    /// spurious wake-up, and takes it again. Callers re-check their condition in a loop.
    func wait(until deadline: Double) {
        let clamped = min(max(deadline, 0), Double(Int32.max))
        var target = timespec(tv_sec: Int(clamped), tv_nsec: Int((clamped - clamped.rounded(.down)) * 1e9))
        pthread_cond_timedwait(condition, mutex, &target)
    }
}
