import Foundation
import Synchronization
import Testing
@testable import CrateFeed

/// SystemdNotifier against a real datagram socket the test binds, as systemd does. The address is passed to
/// the notifier directly, so nothing touches the NOTIFY_SOCKET of this (shared, parallel) test process.
@Suite struct SystemdNotifierTests {
    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    @Test func sendsEachNotificationAsOneDatagramFromThisProcess() throws {
        let listener = try NotifySocketReader()
        let notifier = SystemdNotifier(socketAddress: listener.address, watchdogInterval: nil)
        #expect(notifier.isEnabled)

        notifier.ready()
        notifier.status("1,204 readings/s · backlog 0\nsecond line")
        notifier.watchdog()
        notifier.extendTimeout(seconds: 20)
        notifier.stopping()
        let datagrams = (0..<5).compactMap { _ in listener.receive(timeout: 5) }
        #expect(datagrams.map(\.text) == [
            "READY=1", "STATUS=1,204 readings/s · backlog 0 second line", "WATCHDOG=1",
            "EXTEND_TIMEOUT_USEC=20000000", "STOPPING=1",
        ])
        // systemd attributes messages by the sender's pid (NotifyAccess=main): it must be ours.
        #expect(datagrams.allSatisfy { $0.senderPID == getpid() })
    }

    @Test func reloadingCarriesTheMonotonicTime() throws {
        let listener = try NotifySocketReader()
        let notifier = SystemdNotifier(socketAddress: listener.address, watchdogInterval: nil)
        let before = monotonicMicroseconds()
        notifier.reloading()
        let after = monotonicMicroseconds()
        let lines = try #require(listener.receive(timeout: 5)).text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) })
        #expect(lines.last?.hasPrefix("MONOTONIC_USEC=") == true)
        #expect(before <= stamp && stamp <= after)
    }

    @Test func abstractSocketAddressesWork() throws {
        let listener = try NotifySocketReader(abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let notifier = SystemdNotifier(socketAddress: listener.address, watchdogInterval: nil)
        notifier.ready()
        #expect(listener.receive(timeout: 5)?.text == "READY=1")
    }

    @Test func withoutASocketNothingIsSentAndNothingFails() {
        let notifier = SystemdNotifier(socketAddress: nil, watchdogInterval: nil)
        #expect(!notifier.isEnabled)
        notifier.ready()
        notifier.status("x")
        #expect(SystemdNotifier(socketAddress: "", watchdogInterval: 0).watchdogInterval == nil)
    }
}

/// HealthReporter's own thread against a real socket: STATUS at once and every interval, WATCHDOG=1 at half
/// the watchdog interval while the probe says alive, none while stuck, and back when it recovers.
@Suite struct HealthReporterSocketTests {
    @Test func pingsWhileAliveStopsWhileStuckAndResumes() throws {
        let listener = try NotifySocketReader()
        // 1 s watchdog: pings every 0.5 s; status every 0.5 s. Wide enough for a loaded CI machine.
        let notifier = SystemdNotifier(socketAddress: listener.address, watchdogInterval: 1)
        let alive = Atomic<Bool>(true)
        let reporter = HealthReporter(
            notifier: notifier, statusInterval: 0.5,
            snapshot: { HealthSnapshot(crateDBNodesUp: 1, crateDBNodesTotal: 1, mqtt: .connected) },
            probe: ProgressProbe { _ in
                PipelineLiveness(mqttLoopAlive: true, writerAlive: alive.load(ordering: .relaxed), detail: "test")
            })
        reporter.start()
        defer { reporter.stop() }

        // Alive: wait for 4 pings (about 1.5 s after the first), noting when each came.
        var pingTimes: [Double] = []
        var statuses: [String] = []
        let deadline = Date().addingTimeInterval(10)
        while pingTimes.count < 4, Date() < deadline, let datagram = listener.receive(timeout: 5) {
            if datagram.text == "WATCHDOG=1" { pingTimes.append(Date().timeIntervalSince1970) }
            if datagram.text.hasPrefix("STATUS=") { statuses.append(datagram.text) }
        }
        #expect(pingTimes.count == 4)
        let gaps = zip(pingTimes.dropFirst(), pingTimes).map { $0 - $1 }
        // Half the interval each; generous bounds for a loaded machine, but well inside the 1 s deadline.
        #expect(gaps.allSatisfy { $0 > 0.3 && $0 < 0.9 }, "gaps \(gaps)")
        #expect(statuses.first == "STATUS=0 readings/s · backlog 0 · CrateDB 1/1 nodes · MQTT connected · 0 dead letters")

        // Stuck: after at most one ping already on its way, no more for several ping periods; status goes on.
        alive.store(false, ordering: .relaxed)
        _ = listener.receiveAll(for: 0.6)
        let whileStuck = listener.receiveAll(for: 2.0)
        #expect(!whileStuck.contains { $0.text == "WATCHDOG=1" })
        #expect(whileStuck.contains { $0.text.hasPrefix("STATUS=") })

        // Recovered: pings come back well within the watchdog interval.
        alive.store(true, ordering: .relaxed)
        var resumed = false
        let resumeDeadline = Date().addingTimeInterval(5)
        while Date() < resumeDeadline, let datagram = listener.receive(timeout: 5) {
            if datagram.text == "WATCHDOG=1" { resumed = true; break }
        }
        #expect(resumed)

        // Stopped: nothing more is sent.
        reporter.stop()
        _ = listener.receiveAll(for: 0.05)  // anything sent before stop() returned
        #expect(listener.receiveAll(for: 0.5).isEmpty)
    }
}
