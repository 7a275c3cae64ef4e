import CrateDB
import Foundation
import IntegrationSupport
import Testing

/// `cratefeed run` talking to systemd through NOTIFY_SOCKET: READY, STATUS, WATCHDOG cadence, RELOADING on
/// SIGHUP (and a bad file kept out), STOPPING on SIGTERM.
@Suite struct SystemdDaemonTests {
    static func route(_ table: String) -> String {
        """
        [[route]]
        topic = "sensors/+device/+sensor"
        table = "\(table)"
        """
    }

    @Test func watchdogPingsAtHalfTheIntervalWhileThePipelineRuns() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let daemon = try pipeline.startDaemon(
            pipeline.config(routes: Self.route(pipeline.table("wd"))), name: "watchdog",
            environment: ["WATCHDOG_USEC": "1000000"])
        // A watchdog of 1 s means a ping every 0.5 s: at least three in two seconds, and STATUS lines besides.
        let start = daemon.notify.received().count
        let deadline = Date().addingTimeInterval(20)
        while daemon.notify.received().dropFirst(start).filter({ $0.contains("WATCHDOG=1") }).count < 3, Date() < deadline {
            usleep(100_000)
        }
        #expect(daemon.notify.received().dropFirst(start).filter { $0.contains("WATCHDOG=1") }.count >= 3)
        #expect(daemon.notify.wait(for: "STATUS=", timeout: 10))
        #expect(daemon.notify.received().contains { $0.contains("CrateDB 3/3 nodes") || $0.contains("CrateDB 1/1 nodes") })
    }

    /// A writer that hangs (injected: CRATEFEED_TEST_HANG_WRITER) stops the pings once it has been silent
    /// for the request timeout (3 s here) plus 15 s, so systemd restarts the daemon; STATUS= goes on.
    @Test func aHungWriterStopsTheWatchdogPings() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let daemon = try pipeline.startDaemon(
            pipeline.config(routes: Self.route(pipeline.table("hung"))), name: "hung",
            environment: ["WATCHDOG_USEC": "2000000", "CRATEFEED_TEST_HANG_WRITER": "1"])
        defer { daemon.signal(SIGKILL) }  // a hung writer cannot drain; pipeline.stop() then reaps it
        #expect(daemon.notify.wait(for: "WATCHDOG=1", timeout: 10), "pings while nothing is stuck")

        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"n": 1}"#])
        let deadline = Date().addingTimeInterval(60)
        while !daemon.log.contains("watchdog pings to systemd stopped"), Date() < deadline { usleep(100_000) }
        #expect(daemon.log.contains("writer loop silent"), "the log says what is stuck")
        // From the first STATUS= sent after that line on (datagrams arrive in order, so an earlier ping is before
        // it): STATUS= lines keep coming (every 500 ms), WATCHDOG=1 does not.
        let logged = daemon.notify.received().count
        #expect(daemon.notify.wait(for: "STATUS=", timeout: 10, after: logged))
        let stalledAt = try #require(daemon.notify.received().indices.first { $0 >= logged && daemon.notify.received()[$0].contains("STATUS=") }) + 1
        var statusLines = 0
        while statusLines < 6, Date() < deadline {
            #expect(daemon.notify.wait(for: "STATUS=", timeout: 10, after: stalledAt + statusLines))
            statusLines = daemon.notify.received().dropFirst(stalledAt).filter { $0.contains("STATUS=") }.count
        }
        #expect(statusLines >= 6)
        #expect(!daemon.notify.received().dropFirst(stalledAt).contains { $0.contains("WATCHDOG=1") })
    }

    @Test func sighupReloadsAGoodFileAndKeepsTheOldOneForABadFile() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let first = pipeline.table("before")
        let second = pipeline.table("after")
        let daemon = try pipeline.startDaemon(pipeline.config(routes: Self.route(first)))

        // A file with a problem: rejected, logged, the running configuration stays.
        try "[mqtt]\nqos = 7\n".write(toFile: daemon.configPath, atomically: false, encoding: .utf8)
        daemon.signal(SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while !daemon.log.contains("reload rejected"), Date() < deadline { usleep(50_000) }
        #expect(daemon.log.contains("reload rejected") && daemon.log.contains("mqtt.qos"))
        #expect(!daemon.notify.received().contains { $0.contains("RELOADING=1") })
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"n": 1}"#])
        #expect(try await pipeline.waitForCount(first, 1) == 1)

        // A good file: RELOADING=1 with MONOTONIC_USEC, then READY=1, and the new route is used.
        let before = daemon.notify.received().count
        try pipeline.config(routes: Self.route(second)).write(toFile: daemon.configPath, atomically: false, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.notify.wait(for: "RELOADING=1", timeout: 30, after: before))
        #expect(daemon.notify.received().dropFirst(before).contains { $0.contains("MONOTONIC_USEC=") })
        #expect(daemon.notify.wait(for: "READY=1", timeout: 30, after: before))
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"n": 2}"#])
        #expect(try await pipeline.waitForCount(second, 1) == 1)
        #expect(try await pipeline.count(first) == 1)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 30) == 0)
        #expect(daemon.notify.received().contains { $0.contains("STOPPING=1") })
    }

    /// A reload that names another broker and other CrateDB nodes connects to them.
    @Test func sighupWithANewBrokerAndNewServersReconnects() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let standIn = try #require(pipeline.standIn)
        let table = pipeline.table("moved")
        let config = pipeline.config(routes: Self.route(table))
        let daemon = try pipeline.startDaemon(config)
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"n": 1}"#])
        #expect(try await pipeline.waitForCount(table, 1) == 1)

        let otherBroker = try BrokerProcess()
        defer { otherBroker.remove() }
        let allServers = "servers = [" + pipeline.servers.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        let moved = config
            .replacingOccurrences(of: pipeline.broker.url, with: otherBroker.url)
            .replacingOccurrences(of: allServers, with: "servers = [\"\(pipeline.servers[2])\"]")
        #expect(moved.contains(otherBroker.url) && moved.contains("servers = [\"\(pipeline.servers[2])\"]"))
        let before = daemon.notify.received().count
        try moved.write(toFile: daemon.configPath, atomically: false, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.notify.wait(for: "READY=1", timeout: 30, after: before))
        let bulkBefore = try await standIn.counters().map { $0["bulk_requests"]?.intValue ?? 0 }

        try otherBroker.publish(topic: "sensors/dev1/env", lines: [#"{"n": 2}"#])
        #expect(try await pipeline.waitForCount(table, 2) == 2, "the reading from the new broker arrived")
        let bulkAfter = try await standIn.counters().map { $0["bulk_requests"]?.intValue ?? 0 }
        #expect(bulkAfter[0] == bulkBefore[0] && bulkAfter[1] == bulkBefore[1], "only the new server list is used")
        #expect(bulkAfter[2] > bulkBefore[2])
    }
}
