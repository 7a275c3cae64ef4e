import CrateDB
import Foundation

/// Writes of any lane that reached CrateDB: a lane waiting out a retry backoff watches it to see that CrateDB
/// is back, so that every lane resumes as soon as one gets through instead of each at the end of its own wait.
final class WriteProgress: Sendable {
    private let count = Locked(0)

    func recordWriteThrough() { count.withLock { $0 &+= 1 } }

    var writesThrough: Int { count.withLock { $0 } }
}

/// The waits between one write's retries while CrateDB is unavailable: 0.2 s, doubling up to `maxDelay`.
///
/// Another lane's success cuts a wait short once per write: if the retry right after fails too, this lane's
/// trouble is its own (a table other writes do not touch, say), and it waits out its backoff from then on rather
/// than retry every time the other lanes get through.
struct RetryBackoff {
    enum Outcome: Equatable {
        /// The whole delay passed.
        case elapsed
        /// Another lane's write got through meanwhile.
        case othersGotThrough
        /// The pipeline is past its drain deadline.
        case mustGiveUp
    }

    static let firstDelay = 0.2
    let maxDelay: Double
    private(set) var delay = RetryBackoff.firstDelay
    private var mayEndEarly = true

    init(maxDelay: Double) {
        self.maxDelay = max(Self.firstDelay, maxDelay)
    }

    /// Moves on to the next delay: twice the current one, at most `maxDelay`.
    mutating func lengthen() {
        delay = min(delay * 2, maxDelay)
    }

    /// Waits the current delay, calling `beat` about every 50 ms so that the watchdog sees the lane alive, and
    /// returns early when `mustGiveUp()` turns true or, the first time, when `progress` counts a write after
    /// `writesBefore`.
    mutating func wait(
        progress: WriteProgress, writesBefore: Int, beat: () -> Void, mustGiveUp: () -> Bool
    ) -> Outcome {
        let until = MonotonicClock.now() + delay
        lengthen()
        while MonotonicClock.now() < until {
            if mustGiveUp() { return .mustGiveUp }
            beat()
            if mayEndEarly && progress.writesThrough != writesBefore {
                mayEndEarly = false
                return .othersGotThrough
            }
            usleep(50_000)
        }
        return .elapsed
    }
}
