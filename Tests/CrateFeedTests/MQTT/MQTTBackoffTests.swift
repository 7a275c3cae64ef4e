@testable import CrateFeed
import Testing

@Suite struct MQTTBackoffTests {
    @Test func doublesUpToTheCapAndStartsOverAfterASuccess() {
        var backoff = MQTTBackoff(minimum: 1, maximum: 60)
        let delays = (0..<10).map { _ in backoff.nextDelay() }
        let bases: [Double] = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
        for (delay, base) in zip(delays, bases) {
            #expect(delay <= base && delay >= base * 0.8, "\(delays)")
        }
        backoff.reset()
        #expect(backoff.nextDelay() <= 1)
    }

    @Test func manyFailuresDoNotOverflow() {
        var backoff = MQTTBackoff(minimum: 0.5, maximum: 30)
        for _ in 0..<1000 { _ = backoff.nextDelay() }
        #expect(backoff.nextDelay() <= 30)
    }
}
