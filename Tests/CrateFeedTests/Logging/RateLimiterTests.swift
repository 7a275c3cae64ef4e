import Testing
@testable import CrateFeed

@Suite struct RateLimiterTests {
    @Test func letsTheFirstThroughThenCountsUntilTheIntervalPasses() {
        let clock = StepClock()
        let limiter = RateLimiter(interval: 10, now: { clock.now })
        #expect(limiter.admit("a") == 0)
        for _ in 0..<5 {
            clock.now += 1
            #expect(limiter.admit("a") == nil)
        }
        clock.now += 5  // 10 s after the first
        #expect(limiter.admit("a") == 5)
        clock.now += 10
        #expect(limiter.admit("a") == 0)
    }

    @Test func keysAreIndependent() {
        let clock = StepClock()
        let limiter = RateLimiter(interval: 10, now: { clock.now })
        #expect(limiter.admit("a") == 0)
        #expect(limiter.admit("b") == 0)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.admit("b") == nil)
    }

    @Test func memoryIsBoundedWhenEveryMessageIsDifferent() {
        let clock = StepClock()
        let limiter = RateLimiter(interval: 10, capacity: 8, now: { clock.now })
        for index in 0..<1000 {
            #expect(limiter.admit("message \(index)") == 0)
        }
        // Full of live keys, the table was cleared rather than grown: an old key gets through again.
        #expect(limiter.admit("message 0") == 0)
    }
}
