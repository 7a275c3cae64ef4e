import Logging
import Synchronization
import Testing
@testable import CrateFeed

@Suite struct HealthReporterTests {
    private final class Recorder: Sendable {
        let statuses = Mutex<[String]>([])
        let pings = Mutex<Int>(0)
        let received = Mutex<UInt64>(0)
        let latency = Mutex(LatencyHistogram())
    }

    private func reporter(_ recorder: Recorder, watchdog: Double?, alive: Bool = true) -> HealthReporter {
        HealthReporter(
            statusInterval: 5, watchdogInterval: watchdog,
            snapshot: {
                var snapshot = HealthSnapshot(
                    readingsReceived: recorder.received.withLock { $0 }, crateDBNodesUp: 2, crateDBNodesTotal: 3,
                    mqtt: .connected)
                snapshot.latency = recorder.latency.withLock { $0 }
                return snapshot
            },
            probe: ProgressProbe { _ in PipelineLiveness(mqttLoopAlive: alive, writerAlive: true) },
            logger: LogCapture().logger(),
            sendStatus: { line in recorder.statuses.withLock { $0.append(line) } },
            ping: { recorder.pings.withLock { $0 += 1 } })
    }

    @Test func sendsStatusEveryIntervalWithTheRateOverIt() {
        let recorder = Recorder()
        let reporter = reporter(recorder, watchdog: nil)
        #expect(reporter.tick(now: 100) == 105)
        recorder.received.withLock { $0 = 6_020 }
        #expect(reporter.tick(now: 102) == 105)  // not due: nothing sent
        #expect(reporter.tick(now: 105) == 110)
        let statuses = recorder.statuses.withLock { $0 }
        #expect(statuses == [
            "0 readings/s · backlog 0 · CrateDB 2/3 nodes · MQTT connected · 0 dead letters",
            "1,204 readings/s · backlog 0 · CrateDB 2/3 nodes · MQTT connected · 0 dead letters",
        ])
        #expect(recorder.pings.withLock { $0 } == 0)
    }

    /// The latency part is the p99 of the readings stored during the interval, not since start: a slow hour
    /// long ago must not hide that it is fast now (nor the other way round).
    @Test func statusShowsTheIntervalsLatency() {
        let recorder = Recorder()
        let reporter = reporter(recorder, watchdog: nil)
        recorder.latency.withLock { for _ in 0..<1000 { $0.record(milliseconds: 9_000) } }
        _ = reporter.tick(now: 100)
        recorder.latency.withLock { for _ in 0..<100 { $0.record(milliseconds: 20) } }
        _ = reporter.tick(now: 105)
        _ = reporter.tick(now: 110)  // nothing stored in this interval: no latency part
        let statuses = recorder.statuses.withLock { $0 }
        #expect(statuses.map { $0.split(separator: "·")[1].trimmingCharacters(in: .whitespaces) } == [
            "p99 9215 ms to CrateDB", "p99 20 ms to CrateDB", "backlog 0",
        ])
    }

    @Test func wakesForWhicheverComesFirstStatusOrPing() {
        let recorder = Recorder()
        let reporter = reporter(recorder, watchdog: 4)
        #expect(reporter.tick(now: 0) == 2)
        #expect(reporter.tick(now: 2) == 4)
        #expect(reporter.tick(now: 4) == 5)
        #expect(reporter.tick(now: 5) == 6)
        #expect(recorder.pings.withLock { $0 } == 3)
        #expect(recorder.statuses.withLock { $0.count } == 2)
    }

    @Test func statusGoesOnWhileTheWatchdogHoldsItsPings() {
        let recorder = Recorder()
        let reporter = reporter(recorder, watchdog: 30, alive: false)
        for now in stride(from: 0.0, through: 20, by: 0.5) { _ = reporter.tick(now: now) }
        #expect(recorder.pings.withLock { $0 } == 0)
        #expect(recorder.statuses.withLock { $0.count } == 5)
    }
}
