import CrateDB
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
    }

    private let counters = Locked(Snapshot())

    func update(_ change: (inout Snapshot) -> Void) {
        counters.withLock(change)
    }

    var snapshot: Snapshot { counters.withLock { $0 } }
}
