import CrateDB
/// Decides how far the spool may be released: up to the oldest message whose rows are not yet confirmed.
///
/// Batches are confirmed out of order (several are in flight on different nodes), so the tracker keeps the
/// oldest spool position of every open or in-flight batch; the release point is the smallest of those, or the
/// reader's position when every batch is confirmed.
final class ReleaseTracker: @unchecked Sendable {
    private struct State {
        /// Oldest position of each unconfirmed batch, with a count for batches starting at the same record.
        var pending: [SpoolPosition: Int] = [:]
        var readerPosition: SpoolPosition?
        var released: SpoolPosition?
    }

    private let state = Locked(State())

    func opened(_ batch: Batch) {
        state.withLock { $0.pending[batch.oldest, default: 0] += 1 }
    }

    /// Everything before `position` has been read and placed in a batch.
    func readerMoved(to position: SpoolPosition) {
        state.withLock { $0.readerPosition = position }
    }

    /// Marks a batch confirmed; returns the new release point when it moved forward.
    func confirmed(_ batch: Batch) -> SpoolPosition? {
        state.withLock { state in
            if let count = state.pending[batch.oldest] {
                state.pending[batch.oldest] = count > 1 ? count - 1 : nil
            }
            return Self.advance(&state)
        }
    }

    /// The release point when it moved forward since the last call (used when the reader moves on idle).
    func releasePoint() -> SpoolPosition? {
        state.withLock { Self.advance(&$0) }
    }

    var unconfirmedBatches: Int {
        state.withLock { $0.pending.values.reduce(0, +) }
    }

    private static func advance(_ state: inout State) -> SpoolPosition? {
        guard let reader = state.readerPosition else { return nil }
        let point = state.pending.keys.min().map { min($0, reader) } ?? reader
        if let released = state.released, point <= released { return nil }
        state.released = point
        return point
    }
}
