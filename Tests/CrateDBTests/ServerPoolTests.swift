import Testing
@testable import CrateDB

/// A clock the test moves by hand.
private final class ManualClock: @unchecked Sendable {
    var now = 1000.0
}

@Suite struct ServerPoolTests {
    private func pool(_ clock: ManualClock, retry: Double = 30) -> ServerPool {
        ServerPool(servers: ["a", "b", "c"], retryInterval: retry, now: { clock.now })
    }

    @Test func rotatesRoundRobin() {
        let pool = pool(ManualClock())
        #expect((0..<6).map { _ in pool.next() } == ["a", "b", "c", "a", "b", "c"])
    }

    @Test func setAsideServersAreSkippedUntilTheIntervalPasses() {
        let clock = ManualClock()
        let pool = pool(clock)
        pool.setAside("b", reason: "connection refused")
        #expect((0..<4).map { _ in pool.next() } == ["a", "c", "a", "c"])
        #expect(pool.statuses.map(\.isActive) == [true, false, true])
        #expect(pool.statuses[1].lastFailure == "connection refused")
        clock.now += 29
        #expect(!(0..<4).map { _ in pool.next() }.contains("b"))
        clock.now += 1
        #expect((0..<3).map { _ in pool.next() }.contains("b"))
        #expect(pool.statuses.allSatisfy { $0.isActive })
    }

    @Test func withNoneActiveTheLongestSetAsideIsTried() {
        let clock = ManualClock()
        let pool = pool(clock)
        pool.setAside("c", reason: "timeout")
        clock.now += 1
        pool.setAside("a", reason: "503")
        clock.now += 1
        pool.setAside("b", reason: "refused")
        #expect(!pool.hasActiveServer)
        #expect(pool.next() == "c")
        #expect(pool.hasActiveServer)
        #expect(pool.failures.map(\.description) == ["a: 503", "b: refused", "c: timeout"])
    }
}
