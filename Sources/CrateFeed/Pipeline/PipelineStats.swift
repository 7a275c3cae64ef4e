import CrateDB
import Synchronization

/// Counters the pipeline keeps for the status line, the logs and the tests.
final class PipelineStats: @unchecked Sendable {
    struct Snapshot: Sendable {
        var messagesSpooled: Int64 = 0
        var messagesRead: Int64 = 0
        var rowsStored: Int64 = 0
        var rowsAlreadyStored: Int64 = 0
        var deadLetters: Int64 = 0
        var blobsStored: Int64 = 0
        var batchesSent: Int64 = 0
        /// Receipt (the MQTT callback) to CrateDB's confirmation, per stored reading.
        var latency = LatencyHistogram()
    }

    private let counters = Locked(Snapshot())
    /// Counted on the MQTT thread for every message: an atomic, not the lock.
    private let spooled = Atomic<Int64>(0)

    func update(_ change: (inout Snapshot) -> Void) {
        counters.withLock(change)
    }

    /// Readings received at these times (milliseconds since the epoch) were confirmed now.
    func recordStored(receivedAt: [Int64]) {
        let now = WallClock.microseconds() / 1000
        counters.withLock { counters in
            for time in receivedAt { counters.latency.record(milliseconds: now - time) }
        }
    }

    func messagesSpooled(_ count: Int) {
        spooled.add(Int64(count), ordering: .relaxed)
    }

    var snapshot: Snapshot {
        var snapshot = counters.withLock { $0 }
        snapshot.messagesSpooled = spooled.load(ordering: .relaxed)
        return snapshot
    }
}
