import Foundation

/// Seconds on CLOCK_MONOTONIC: for deadlines and intervals, immune to wall-clock jumps.
enum MonotonicClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Wall-clock time in microseconds since the epoch: the `received_at` stamped on each spooled message.
enum WallClock {
    static func microseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}
