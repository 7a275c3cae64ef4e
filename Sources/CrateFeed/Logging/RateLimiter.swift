import Synchronization

/// Lets the same message through at most once per interval and counts the ones it holds back, so a failure
/// that repeats every millisecond fills the journal with one line per interval, each saying how many it stands for.
final class RateLimiter: Sendable {
    private struct Entry {
        var lastLetThrough: Double
        var suppressed: Int
    }

    let interval: Double
    /// Distinct keys remembered; past this, expired keys are forgotten, and if all are live, all of them.
    /// Bounds the memory when messages carry ever-changing text.
    private let capacity: Int
    private let now: @Sendable () -> Double
    private let entries = Mutex<[String: Entry]>([:])

    init(
        interval: Double = 10, capacity: Int = 1024,
        now: @escaping @Sendable () -> Double = { MonotonicClock.now() }
    ) {
        self.interval = interval
        self.capacity = capacity
        self.now = now
    }

    /// nil when a message with `key` must be dropped; otherwise how many with that key were dropped since the
    /// last one let through (0 the first time).
    func admit(_ key: String) -> Int? {
        let time = now()
        return entries.withLock { entries in
            if var entry = entries[key] {
                guard time - entry.lastLetThrough >= interval else {
                    entry.suppressed += 1
                    entries[key] = entry
                    return nil
                }
                entries[key] = Entry(lastLetThrough: time, suppressed: 0)
                return entry.suppressed
            }
            if entries.count >= capacity {
                entries = entries.filter { time - $0.value.lastLetThrough < interval }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = Entry(lastLetThrough: time, suppressed: 0)
            return 0
        }
    }
}
