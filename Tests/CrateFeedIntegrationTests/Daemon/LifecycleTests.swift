import CrateDB
import Foundation
import IntegrationSupport
import Testing

/// Configuration errors, and two instances sharing one subscription. The fault tests are in Faults/.
@Suite struct LifecycleTests {
    static let readings = Int(ProcessInfo.processInfo.environment["E2E_READINGS"] ?? "") ?? 400

    static func lines(_ range: Range<Int>) -> [String] {
        range.map { #"{"seq": \#($0), "ts": \#(1_767_225_600_000 + $0), "v": \#(Double($0) / 10)}"# }
    }

    static func route(_ table: String, topic: String = "sensors/+device/+sensor") -> String {
        """
        [[route]]
        topic = "\(topic)"
        format = "json"
        table = "\(table)"
        timestamp = "ts"
        """
    }

    /// Every reading once: as many rows as distinct sequence numbers, and no sequence number twice.
    static func expectEachOnce(_ pipeline: TestPipeline, _ table: String, _ count: Int) async throws {
        #expect(try await pipeline.waitForCount(table, count, timeout: 120) == count)
        let distinct = try await pipeline.query("SELECT count(DISTINCT payload['seq']) FROM \(table)", refresh: table)
        #expect(distinct == [[.int(Int64(count))]])
    }

    @Test func badConfigurationIsOneLinePerProblemAndNoStart() throws {
        let directory = try TemporaryDirectory.make("badconfig")
        defer { TemporaryDirectory.remove(directory) }
        let path = directory + "/cratefeed.toml"
        try """
            [mqtt]
            qos = 3
            [batch]
            max_row = 10
            """.write(toFile: path, atomically: false, encoding: .utf8)
        let run = try CratefeedRun.run(["run", "--config", path])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count >= 3)
        #expect(lines.allSatisfy { $0.hasPrefix(path) })
        #expect(run.stderr.contains("mqtt.qos"))
        #expect(run.stderr.contains("max_rows"))
        #expect(run.stderr.contains("route"))
    }

    @Test func twoInstancesInASharedGroupSplitTheStream() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("shared")
        let shared = "shared_group = \"cratefeed-\(pipeline.suffix)\""
        let first = try pipeline.startDaemon(
            pipeline.config(routes: Self.route(table), spool: pipeline.directory + "/spool-a", clientID: "a-\(pipeline.suffix)", mqttExtra: shared),
            name: "a")
        let second = try pipeline.startDaemon(
            pipeline.config(routes: Self.route(table), spool: pipeline.directory + "/spool-b", clientID: "b-\(pipeline.suffix)", mqttExtra: shared),
            name: "b")
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: Self.lines(0..<Self.readings))
        try await Self.expectEachOnce(pipeline, table, Self.readings)
        first.stop()
        second.stop()
        let received = [first, second].map { Self.received(fromLog: $0.log) }
        #expect(received.allSatisfy { $0 > 0 }, "each instance took part: \(received)")
        #expect(received.reduce(0, +) == Self.readings, "each reading went to one instance: \(received)")
        #expect([first, second].allSatisfy { $0.log.contains("receipt to CrateDB p50 ") }, "the stop line has the latency")
    }

    /// `o/+x/+y` covers `o/+x/special`: only it is subscribed, so the broker delivers each message once, and
    /// first-match routing still sends `special` to the first route.
    @Test func aCoveredFilterIsNotSubscribedTwice() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let (special, other) = (pipeline.table("special"), pipeline.table("other"))
        let daemon = try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "o/+x/special"
                format = "value"
                table = "\(special)"
                [[route]]
                topic = "o/+x/+y"
                format = "value"
                table = "\(other)"
                """))
        let count = 50
        try pipeline.broker.publish(topic: "o/a/special", lines: (0..<count).map(String.init))
        try pipeline.broker.publish(topic: "o/a/plain", lines: (0..<count).map(String.init))
        #expect(try await pipeline.waitForCount(special, count) == count)
        #expect(try await pipeline.waitForCount(other, count) == count)
        daemon.stop()
        #expect(Self.received(fromLog: daemon.log) == 2 * count, "each message delivered once")
        #expect(try await pipeline.count(special) == count)
    }

    /// A batch goes out at max_rows or at max_bytes, whichever comes first, long before a max_delay of a minute.
    @Test func batchesFlushAtMaxRowsAndAtMaxBytes() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let standIn = try #require(pipeline.standIn)
        func bulkRequests() async throws -> Int64 {
            try await standIn.counters().reduce(0) { $0 + ($1["bulk_requests"]?.intValue ?? 0) }
        }
        let lines = (0..<21).map { #"{"seq": \#($0), "ts": \#(1_767_225_600_000 + $0), "pad": "\#(String(repeating: "x", count: 400))"}"# }

        let byRows = pipeline.table("by_rows")
        let rowsDaemon = try pipeline.startDaemon(
            pipeline.config(routes: Self.route(byRows), batch: "max_rows = 7\nmax_delay = \"60s\"\nin_flight = 1"), name: "rows")
        var before = try await bulkRequests()
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: lines)
        #expect(try await pipeline.waitForCount(byRows, 21, timeout: 30) == 21)
        #expect(try await bulkRequests() - before == 3, "21 rows at max_rows = 7")
        rowsDaemon.stop()

        // Each row is over 400 bytes: 2 KiB holds four, so the fifth flushes the batch (4 + 4 + ... + 1).
        let byBytes = pipeline.table("by_bytes")
        try pipeline.startDaemon(
            pipeline.config(
                routes: Self.route(byBytes), batch: "max_rows = 1000\nmax_bytes = \"2KiB\"\nmax_delay = \"60s\"\nin_flight = 1"),
            name: "bytes")
        before = try await bulkRequests()
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: lines)
        #expect(try await pipeline.waitForCount(byBytes, 20, timeout: 30) >= 20)
        #expect(try await bulkRequests() - before >= 5, "21 rows of over 400 bytes at max_bytes = 2KiB")
    }

    /// The message count from the daemon's stop line: "stopped: ... (N messages received; receipt to ...)".
    static func received(fromLog log: String) -> Int {
        guard let range = log.range(of: #"\(\d+ messages received"#, options: .regularExpression) else { return -1 }
        return Int(log[range].filter(\.isNumber)) ?? -1
    }
}
