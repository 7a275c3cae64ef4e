import Foundation
import Testing

@testable import CrateFeed

@Suite("RetryBackoff")
struct RetryBackoffTests {
    @Test("delays double from 0.2 s up to the cap")
    func doublesUpToTheCap() {
        var backoff = RetryBackoff(maxDelay: 0.5)
        let progress = WriteProgress()
        var delays: [Double] = []
        for _ in 0..<3 {
            delays.append(backoff.delay)
            #expect(backoff.wait(progress: progress, writesBefore: 0, beat: {}, mustGiveUp: { false }) == .elapsed)
        }
        #expect(delays == [0.2, 0.4, 0.5])
    }

    @Test("a cap below the first delay is raised to it")
    func capAtLeastFirstDelay() {
        #expect(RetryBackoff(maxDelay: 0).maxDelay == RetryBackoff.firstDelay)
    }

    // Without the wake-up, a lane far into its backoff sits out its whole delay (20 s here) after another lane
    // found CrateDB back, and the wait ends `.elapsed`: the outcome, not a time, is what the test checks.
    @Test("another lane's write getting through ends the wait")
    func wokenByAnotherLane() {
        let progress = WriteProgress()
        var backoff = RetryBackoff(maxDelay: 20)
        for _ in 0..<20 { backoff.lengthen() }
        #expect(backoff.delay == 20)
        let writesBefore = progress.writesThrough
        let other = Thread { progress.recordWriteThrough() }
        other.start()
        let outcome = backoff.wait(progress: progress, writesBefore: writesBefore, beat: {}, mustGiveUp: { false })
        #expect(outcome == .othersGotThrough)
    }

    // A lane whose own writes keep failing while others succeed (a table only it writes) must not retry each
    // time they do: after one early end, its waits run their course.
    @Test("only the first wait of a write ends early")
    func onlyOnceEarly() {
        let progress = WriteProgress()
        var backoff = RetryBackoff(maxDelay: 0.2)
        progress.recordWriteThrough()
        #expect(backoff.wait(progress: progress, writesBefore: 0, beat: {}, mustGiveUp: { false }) == .othersGotThrough)
        progress.recordWriteThrough()
        #expect(backoff.wait(progress: progress, writesBefore: 1, beat: {}, mustGiveUp: { false }) == .elapsed)
    }

    @Test("a write that got through before the wait began ends it at once")
    func writeDuringTheAttempt() {
        let progress = WriteProgress()
        var backoff = RetryBackoff(maxDelay: 3600)
        let writesBefore = progress.writesThrough
        progress.recordWriteThrough()
        #expect(backoff.wait(progress: progress, writesBefore: writesBefore, beat: {}, mustGiveUp: { false })
            == .othersGotThrough)
    }

    @Test("giving up ends the wait, and the lane beats while it waits")
    func givesUp() {
        var backoff = RetryBackoff(maxDelay: 3600)
        for _ in 0..<20 { backoff.lengthen() }
        var beats = 0
        let outcome = backoff.wait(progress: WriteProgress(), writesBefore: 0, beat: { beats += 1 },
                                   mustGiveUp: { beats >= 3 })
        #expect(outcome == .mustGiveUp)
        #expect(beats == 3)
    }
}
