import CrateDB
import Foundation
import IntegrationSupport
import Testing

/// The durability issue's fault tests: each one injects a fault while a QoS 1 stream flows and checks that
/// nothing is lost or stored twice. Sizes come from the environment, with small defaults for CI:
/// FAULT_READINGS (M), FAULT_KILLS (K).
@Suite struct FaultTests {
    static let readings = Int(ProcessInfo.processInfo.environment["FAULT_READINGS"] ?? "") ?? 600
    static let kills = Int(ProcessInfo.processInfo.environment["FAULT_KILLS"] ?? "") ?? 3
    static let topic = "sensors/dev1/env"

    static func route(_ table: String) -> String {
        """
        [[route]]
        topic = "sensors/+device/+sensor"
        format = "json"
        table = "\(table)"
        timestamp = "ts"
        """
    }

    /// Waits until the reading numbered `sentinel` is stored (it was published last, on the same topic, so
    /// every reading before it that will ever be stored is stored), then counts.
    static func settle(_ pipeline: TestPipeline, _ table: String, sentinel: Int) async throws -> (stored: Int, distinct: Int) {
        try pipeline.broker.publish(topic: topic, lines: [#"{"seq": \#(sentinel), "ts": \#(1_767_225_600_000 + sentinel)}"#])
        let found = try await pipeline.waitForCount(table, 1, where: "payload['seq'] = \(sentinel)", timeout: 120)
        #expect(found == 1, "the last reading never arrived")
        let rows = try await pipeline.query(
            "SELECT count(*), count(DISTINCT payload['seq']) FROM \(table) WHERE payload['seq'] < \(sentinel)", refresh: table)
        return (Int(rows[0][0].intValue ?? 0), Int(rows[0][1].intValue ?? 0))
    }

    // 1. kill -9 at random moments during the stream, restarting each time.
    @Test func killNineAtRandomMomentsLosesAtMostOneReadingPerKill() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("killnine")
        let config = pipeline.config(routes: Self.route(table), batch: "max_rows = 100\nmax_delay = \"200ms\"")
        var daemon = try pipeline.startDaemon(config)
        let stream = try StreamPublisher(
            broker: pipeline.broker, topic: Self.topic, range: 0..<Self.readings, seconds: Double(Self.kills) * 1.5)
        var generator = SystemRandomNumberGenerator()
        for kill in 1...Self.kills {
            usleep(UInt32.random(in: 200_000...900_000, using: &generator))
            daemon.signal(SIGKILL)
            daemon.waitForExit(timeout: 10)
            daemon = try pipeline.startDaemon(config, name: "restart-\(kill)")
        }
        stream.wait()
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings)
        let lost = Self.readings - distinct
        let duplicated = stored - distinct
        print("kill -9 fault test: M=\(Self.readings) K=\(Self.kills) stored=\(distinct) lost=\(lost) duplicated=\(duplicated)")
        #expect(distinct >= Self.readings - Self.kills)
        #expect(duplicated == 0)
    }

    // 2. One CrateDB node refusing, hanging, answering 503 or dropping connections mid-stream.
    @Test func oneNodeFailingEveryWayMidStreamLosesAndDoublesNothing() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("nodefaults")
        try pipeline.startDaemon(pipeline.config(routes: Self.route(table), batch: "max_rows = 20\nmax_delay = \"100ms\""))
        let stream = try StreamPublisher(broker: pipeline.broker, topic: Self.topic, range: 0..<Self.readings, seconds: 4)
        for mode in [StandIn.Mode.refuse, .hang, .unavailable, .drop, .healthy] {
            try await pipeline.standIn!.set(node: 1, mode)
            usleep(700_000)
        }
        stream.wait()
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings)
        #expect(distinct == Self.readings, "lost \(Self.readings - distinct)")
        #expect(stored == distinct, "doubled \(stored - distinct)")
    }

    // 3. Every node down for a while: the spool grows, memory stays flat, then it drains.
    @Test func everyNodeDownSpoolsWithFlatMemoryThenDrains() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("outage")
        let spool = pipeline.directory + "/spool"
        let daemon = try pipeline.startDaemon(pipeline.config(routes: Self.route(table), spool: spool))
        let before = residentMegabytes(of: daemon.pid)
        try await pipeline.setAllNodes(.refuse)
        let stream = try StreamPublisher(broker: pipeline.broker, topic: Self.topic, range: 0..<(Self.readings * 4), seconds: 1, padding: 300)
        stream.wait()
        #expect(daemon.notify.wait(for: "CrateDB 0/3", timeout: 30), "the status line shows the outage")
        let spooled = directorySize(spool)
        let during = residentMegabytes(of: daemon.pid)
        #expect(spooled > Int64(Self.readings * 4 * 300), "the spool holds the backlog (\(spooled) bytes)")
        #expect(during - before < 32, "memory grew from \(before) to \(during) MiB during the outage")
        try await pipeline.setAllNodes(.healthy)
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings * 4)
        #expect(distinct == Self.readings * 4 && stored == distinct)
    }

    // 4. Broker restart mid-stream.
    @Test func brokerRestartMidStreamLosesNothing() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("brokerrestart")
        try pipeline.startDaemon(pipeline.config(routes: Self.route(table)))
        try pipeline.broker.publish(topic: Self.topic, lines: (0..<(Self.readings / 2)).map(Self.line))
        try pipeline.broker.restart()
        try pipeline.broker.publish(topic: Self.topic, lines: ((Self.readings / 2)..<Self.readings).map(Self.line))
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings)
        #expect(distinct == Self.readings && stored == distinct)
    }

    // 5. Spool full: backpressure engages and releases.
    @Test func aFullSpoolPausesMQTTAndResumesWhenDrained() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("backpressure")
        let daemon = try pipeline.startDaemon(Self.smallSpoolConfig(pipeline, table))
        let total = Self.readings * 2
        try await Self.publishDuringOutage(pipeline, total)
        #expect(daemon.notify.wait(for: "backpressure", timeout: 30), "the status line shows backpressure")
        #expect(daemon.log.contains("backpressure on"))
        try await pipeline.setAllNodes(.healthy)
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: total)
        #expect(distinct == total && stored == distinct)
        #expect(daemon.log.contains("backpressure off"))
    }

    // 5b. A reload while the spool is full keeps MQTT paused: the new client must not read into the full spool.
    @Test func aReloadDuringBackpressureKeepsMQTTPaused() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("reloadpaused")
        let spool = pipeline.directory + "/spool"
        let daemon = try pipeline.startDaemon(Self.smallSpoolConfig(pipeline, table))
        let total = Self.readings * 2
        try await Self.publishDuringOutage(pipeline, total)
        #expect(daemon.notify.wait(for: "backpressure", timeout: 30))

        let beforeReload = daemon.notify.received().count
        daemon.signal(SIGHUP)
        #expect(daemon.notify.wait(for: "READY=1", timeout: 20, after: beforeReload), "the reload finished")
        // Three status lines later, still paused, and the spool no bigger than its limit and a segment or two.
        let afterReload = daemon.notify.received().count
        for _ in 0..<3 {
            let seen = daemon.notify.received().count
            #expect(daemon.notify.wait(for: "STATUS=", timeout: 10, after: seen))
        }
        #expect(daemon.notify.received().dropFirst(afterReload).filter { $0.contains("STATUS=") }
            .allSatisfy { $0.contains("backpressure") }, "MQTT resumed after the reload with the spool full")
        // The status line follows the intake's pause; the log says whether the new client connected.
        let connects = daemon.log.components(separatedBy: "MQTT connected and subscribed").count - 1
        #expect(connects == 1, "MQTT connected \(connects) times before the spool drained: the reload resumed it")
        #expect(directorySize(spool) < Int64(Self.smallSpoolBytes + 3 * 32 * 1024), "the spool grew past its limit")

        try await pipeline.setAllNodes(.healthy)
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: total)
        #expect(distinct == total && stored == distinct)
    }

    // 6. SIGTERM mid-stream, then start again.
    @Test func sigtermMidStreamAndRestartLosesNothing() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("sigterm")
        let config = pipeline.config(routes: Self.route(table), batch: "max_rows = 50\nmax_delay = \"2s\"")
        let daemon = try pipeline.startDaemon(config)
        let stream = try StreamPublisher(broker: pipeline.broker, topic: Self.topic, range: 0..<Self.readings, seconds: 2)
        usleep(800_000)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 40) == 0)
        #expect(daemon.notify.received().contains { $0.contains("STOPPING=1") })
        try pipeline.startDaemon(config, name: "after-sigterm")
        stream.wait()
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings)
        #expect(distinct == Self.readings && stored == distinct)
    }

    // 7. A spool with a torn tail and a flipped byte.
    @Test func aDamagedSpoolStillStartsReplaysTheRestAndReportsTheDamage() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("damaged")
        let spool = pipeline.directory + "/spool"
        let config = pipeline.config(routes: Self.route(table), spool: spool)
        let first = try pipeline.startDaemon(config)
        try await pipeline.setAllNodes(.refuse)
        let count = 50
        try pipeline.broker.publish(topic: Self.topic, lines: (0..<count).map(Self.line))
        #expect(first.notify.wait(for: "backlog \(count)", timeout: 30), "all readings spooled")
        first.signal(SIGKILL)
        first.waitForExit(timeout: 10)

        let segments = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".spool") }.sorted()
        let segment = try #require(segments.last)
        let path = spool + "/" + segment
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Flip a byte inside the payload of a reading in the middle, and tear the tail: a half-written record.
        let middle = try #require(Self.offset(of: #""seq": 25,"#, in: bytes))
        bytes[middle + 3] ^= 0x20
        let tail = Array(bytes[(bytes.count - 60)...])
        bytes += tail.prefix(30)
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        try await pipeline.setAllNodes(.healthy)
        let second = try pipeline.startDaemon(config, name: "after-damage")
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: count)
        #expect(distinct == count - 1, "every reading but the damaged one replays")
        #expect(stored == distinct)
        let deadLetters = pipeline.table("dead_letters")
        #expect(try await pipeline.waitForCount(deadLetters, 2, where: "reason LIKE 'damaged spool record%'") == 2)
        #expect(second.log.contains("spool: set aside"))
    }

    // 8. SIGHUP and SIGTERM while every node is down and a backlog waits: both finish within
    // batch.shutdown_timeout (3 s here; a lane retrying forever must not hold them), and the backlog is kept.
    @Test func reloadAndStopDuringAnOutageAreBoundedAndKeepTheBacklog() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("boundedstop")
        let config = pipeline.config(
            routes: Self.route(table), batch: "max_rows = 20\nmax_delay = \"100ms\"")
        let daemon = try pipeline.startDaemon(config)
        try await pipeline.setAllNodes(.refuse)
        try pipeline.broker.publish(topic: Self.topic, lines: (0..<Self.readings).map(Self.line))
        // The STATUS line groups digits in threes: "backlog 1,200".
        let backlog = Self.readings.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(daemon.notify.wait(for: "backlog \(backlog) ", timeout: 60), "the backlog is spooled")

        let beforeReload = daemon.notify.received().count
        daemon.signal(SIGHUP)
        #expect(daemon.notify.wait(for: "RELOADING=1", timeout: 10, after: beforeReload))
        #expect(daemon.notify.wait(for: "READY=1", timeout: 20, after: beforeReload), "the reload finished")

        let stopped = Date()
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 30) == 0)
        #expect(Date().timeIntervalSince(stopped) < 20, "stopped in \(Date().timeIntervalSince(stopped)) s")
        #expect(daemon.notify.received().contains { $0.contains("EXTEND_TIMEOUT_USEC=") })
        #expect(daemon.log.contains("stay in the spool"))

        try await pipeline.setAllNodes(.healthy)
        try pipeline.startDaemon(config, name: "after-outage")
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: Self.readings)
        #expect(distinct == Self.readings && stored == distinct)
    }

    // 9. The spool's disk fills mid-stream, then has room again.
    @Test(.enabled(if: SmallFilesystem.canMount, "mounts a small tmpfs for the spool: needs CAP_SYS_ADMIN"))
    func aFullDiskPausesMQTTWithoutAcknowledgingAndResumesOnceThereIsRoom() async throws {
        let disk = try SmallFilesystem(size: "256k")
        defer { disk.remove() }  // after the pipeline's stop, below: the daemon must not outlive its spool's disk
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("diskfull")
        let daemon = try pipeline.startDaemon(
            pipeline.config(
                routes: Self.route(table), spool: disk.path + "/spool", mqttExtra: "max_message_size = \"16KiB\"",
                spoolExtra: "segment_size = \"32KiB\""))
        let total = Self.readings * 2  // about twice what the disk holds
        try await Self.publishDuringOutage(pipeline, total)
        #expect(daemon.notify.wait(for: "the spool cannot be written", timeout: 30), "the status line says why MQTT is paused")
        #expect(daemon.log.contains("No space left on device; MQTT paused without acknowledging, trying again in"))

        try disk.resize(to: "64m")
        try await pipeline.setAllNodes(.healthy)
        let (stored, distinct) = try await Self.settle(pipeline, table, sentinel: total)
        #expect(distinct == total && stored == distinct)
        #expect(daemon.log.contains("the spool can be written again"))
        // Retried after growing waits, not on every housekeeping tick (10 a second).
        let retries = daemon.log.components(separatedBy: "MQTT resumed to try the spool again").count - 1
        #expect(retries < 10, "\(retries) retries")
    }

    /// A 256 KiB spool of 32 KiB segments: `publishDuringOutage` fills it.
    static func smallSpoolConfig(_ pipeline: TestPipeline, _ table: String) -> String {
        pipeline.config(
            routes: route(table), mqttExtra: "max_message_size = \"16KiB\"",
            spoolExtra: "max_size = \"\(smallSpoolBytes)\"\nsegment_size = \"32KiB\"")
    }

    static let smallSpoolBytes = 256 * 1024

    /// Every node refuses, then `total` readings padded to about 450 bytes are published within a second.
    static func publishDuringOutage(_ pipeline: TestPipeline, _ total: Int) async throws {
        try await pipeline.setAllNodes(.refuse)
        let stream = try StreamPublisher(broker: pipeline.broker, topic: topic, range: 0..<total, seconds: 1, padding: 400)
        stream.wait()
    }

    static func line(_ seq: Int) -> String {
        #"{"seq": \#(seq), "ts": \#(1_767_225_600_000 + seq), "pad": ""}"#
    }

    static func offset(of text: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return nil }
        return (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
    }
}
