import Logging
import Testing
@testable import CrateFeed

@Suite struct WatchdogTests {
    /// A watchdog with a 30 s interval over two heartbeats, all on `clock`; returns the times it pinged when
    /// the health thread checks every 0.1 s from `clock.now` for `seconds`, while `loops` beats what it wants.
    private final class Rig: @unchecked Sendable {
        let clock = StepClock(0)
        let mqtt: Heartbeat
        let writer: Heartbeat
        let capture = LogCapture()
        var pings: [Double] = []
        var watchdog: Watchdog!

        init(interval: Double = 30) {
            mqtt = Heartbeat(at: 0)
            writer = Heartbeat(at: 0)
            let probe = ProgressProbe.heartbeats(mqttLoop: mqtt, mqttStallLimit: 10, writer: writer, writerStallLimit: 40)
            watchdog = Watchdog(interval: interval, probe: probe, logger: capture.logger()) { [unowned self] in
                pings.append(clock.now)
            }
        }

        /// Runs the clock in 0.1 s steps for `seconds`; `beat(now)` lets the loops beat (or not) at each step.
        func run(for seconds: Double, beat: (Double) -> Void) {
            let end = clock.now + seconds
            var next = clock.now
            while clock.now < end - 1e-9 {
                beat(clock.now)
                if clock.now >= next { next = watchdog.tick(now: clock.now) }
                clock.now = ((clock.now + 0.1) * 10).rounded() / 10
            }
        }
    }

    @Test func pingsAtHalfTheIntervalWhileBothLoopsGoRound() {
        let rig = Rig()
        rig.run(for: 60) { now in
            rig.mqtt.beat(at: now)
            rig.writer.beat(at: now)
        }
        #expect(rig.pings == [0, 15, 30, 45])
        #expect(rig.capture.lines().isEmpty)
    }

    @Test func aCrateDBOutageKeepsThePingsGoing() {
        let rig = Rig()
        // CrateDB is down for the whole minute: the writer writes nothing but retries every 5 s with backoff,
        // beating each time round; the spool takes the readings.
        rig.run(for: 60) { now in
            rig.mqtt.beat(at: now)
            if now.truncatingRemainder(dividingBy: 5) == 0 { rig.writer.beat(at: now) }
        }
        #expect(rig.pings == [0, 15, 30, 45])
    }

    @Test func aStuckWriterStopsThePingsAndARecoveryResumesThem() {
        let rig = Rig()
        // The writer hangs at t=10 (a request that never returns) and recovers at t=70.
        rig.run(for: 100) { now in
            rig.mqtt.beat(at: now)
            if now <= 10 || now >= 70 { rig.writer.beat(at: now) }
        }
        // Checks happen when a ping is due: at 45 the writer was silent 35 s (alive, ping), at 60 it was silent
        // 50 s (stuck: no ping); from then on it is checked every second, and the beat at 70 brings the pings back.
        #expect(rig.pings == [0, 15, 30, 45, 70, 85])
        let lines = rig.capture.lines()
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("<3>pipeline stuck (writer loop silent for 50 s (limit 40 s)); watchdog pings") == true)
        #expect(lines.first?.hasSuffix("event=watchdog_stalled") == true)
        #expect(lines.last == "<5>pipeline makes progress again; watchdog pings to systemd resumed event=watchdog_resumed")
    }

    @Test func aSilentMQTTLoopStopsThePings() {
        let rig = Rig()
        rig.run(for: 60) { now in
            if now <= 5 { rig.mqtt.beat(at: now) }
            rig.writer.beat(at: now)
        }
        // Silent longer than 10 s from t=15.1: the ping due at 15 still went out, none after.
        #expect(rig.pings == [0, 15])
        #expect(rig.capture.lines().first?.contains("MQTT loop silent for") == true)
    }

    @Test func stuckChecksRepeatOftenSoRecoveryIsSeenBeforeSystemdsDeadline() {
        let rig = Rig(interval: 2)
        #expect(rig.watchdog.pingPeriod == 1)
        #expect(rig.watchdog.recheckPeriod == 0.25)
        #expect(Rig(interval: 30).watchdog.recheckPeriod == 1)
    }
}
