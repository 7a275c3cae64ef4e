import CrateDB
import Foundation

/// One writer thread with a short queue: batches handed to a lane are written in order, one at a time.
///
/// A topic always maps to the same lane, so its readings reach CrateDB in arrival order while other lanes'
/// requests are in flight at the same time. The queue holds one batch besides the one being written; a full
/// queue makes the batcher wait, and the spool absorbs the backlog, so memory stays flat.
final class Lane: @unchecked Sendable {
    let index: Int
    private let condition = NSCondition()
    private var queue: [Batch] = []
    private var busy = false
    private var stopping = false
    private var thread: Thread?
    private let write: (Batch) -> Bool
    /// Monotonic time of the lane's last sign of life, for the watchdog.
    private let heartbeatValue = Locked(MonotonicClock.now())

    /// `write` returns false when it gave up on a batch because the pipeline is stopping.
    init(index: Int, write: @escaping (Batch) -> Bool) {
        self.index = index
        self.write = write
    }

    func start() {
        let thread = Thread { [self] in
            ThreadName.set("lane-\(index)")
            run()
        }
        self.thread = thread
        thread.start()
    }

    /// Queues a batch, waiting while the lane already has one waiting, at most until `deadline()` (a
    /// `MonotonicClock` time, asked again while waiting: a stop can set one). Returns false when the lane is
    /// stopping or the deadline passed.
    @discardableResult
    func enqueue(_ batch: Batch, deadline: () -> Double = { .infinity }) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= 1 && !stopping {
            if MonotonicClock.now() >= deadline() { return false }
            _ = condition.wait(until: Date().addingTimeInterval(0.1))
        }
        guard !stopping else { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    /// True when nothing is queued or being written.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.isEmpty && !busy
    }

    /// Waits until the lane is idle or the deadline passes.
    func waitUntilIdle(deadline: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !(queue.isEmpty && !busy) {
            let remaining = deadline - MonotonicClock.now()
            guard remaining > 0 else { return false }
            _ = condition.wait(until: Date().addingTimeInterval(min(remaining, 0.1)))
        }
        return true
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func beat() {
        heartbeatValue.withLock { $0 = MonotonicClock.now() }
    }

    var heartbeat: Double { heartbeatValue.withLock { $0 } }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                _ = condition.wait(until: Date().addingTimeInterval(1))
                beat()
            }
            if queue.isEmpty && stopping {
                condition.unlock()
                return
            }
            let batch = queue.removeFirst()
            busy = true
            condition.broadcast()
            condition.unlock()

            beat()
            let done = write(batch)
            beat()

            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
            if !done { return }
        }
    }
}
