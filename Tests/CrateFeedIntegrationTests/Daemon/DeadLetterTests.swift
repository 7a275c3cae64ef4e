import CrateDB
import Foundation
import IntegrationSupport
import Testing

/// Every message or row that cannot be stored lands in the dead-letter table with why, and never stalls the
/// messages around it.
@Suite struct DeadLetterTests {
    @Test func everyCauseIsRecordedAndGoodMessagesStillLand() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("readings")
        let deadLetters = pipeline.table("dead_letters")
        try pipeline.startDaemon(
            pipeline.config(
                routes: """
                    [[route]]
                    topic = "sensors/+device/+sensor"
                    format = "json"
                    table = "\(table)"
                    timestamp = "ts"
                    """,
                mqttExtra: "max_message_size = \"1KiB\""))
        let good = #"{"ts": 1767225600000, "level": {"value": 1}}"#
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [good])
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"ts": 1767225600000, "broken": "#])
        try pipeline.broker.publish(topic: "sensors/dev1/env", payload: Array(#"{"ts": 1767225600000, "x": ""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8))
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"ts": 1767225600000, "pad": "\#(String(repeating: "x", count: 2000))"}"#])
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [#"{"temperature": 20}"#])
        // A row CrateDB itself rejects: `level` was an object above; a number cannot go into it.
        try pipeline.broker.publish(topic: "sensors/dev2/env", lines: [#"{"ts": 1767225601000, "level": 7}"#])
        try pipeline.broker.publish(topic: "sensors/dev3/env", lines: [#"{"ts": 1767225602000, "level": {"value": 3}}"#])

        #expect(try await pipeline.waitForCount(table, 2) == 2)
        #expect(try await pipeline.waitForCount(deadLetters, 5) == 5)
        let reasons = try await pipeline.query(
            "SELECT topic, reason, payload, payload_base64, payload_size FROM \(deadLetters) ORDER BY received_at",
            refresh: deadLetters)
        let text = reasons.map { $0[1].stringValue ?? "" }
        #expect(text.contains { $0.contains("cannot decode the json payload") && $0.contains("invalid JSON") })
        #expect(text.contains { $0.contains("UTF-8") })
        #expect(text.contains { $0.contains("max_message_size") })
        #expect(text.contains { $0.contains("timestamp") && $0.contains("missing") })
        #expect(text.contains { $0.hasPrefix("CrateDB rejected the row") })
        #expect(reasons.contains { $0[2] == #"{"ts": 1767225600000, "broken": "# }, "the raw payload is kept")
        #expect(
            reasons.contains { $0[0] == "sensors/dev2/env" && $0[2] == #"{"ts": 1767225601000, "level": 7}"# },
            "a row CrateDB rejects is dead-lettered with its message as it arrived")
        #expect(reasons.contains { $0[3] != .null && $0[2] == .null }, "invalid UTF-8 is kept as base64")
        #expect(reasons.contains { $0[4] == 2024 || ($0[4].intValue ?? 0) > 2000 }, "the full size of an oversized message is recorded")
    }

    /// A value CrateDB cannot cast fails the whole bulk request: the batch is split until the bad row stands
    /// alone, the good rows land, and the bad one is dead-lettered with its message. A route mapped onto a table
    /// that does not exist dead-letters its rows instead of stalling the topics that share its lane.
    @Test func badRowsAreIsolatedAndAMissingMappedTableDoesNotStall() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let plant = pipeline.table("plant")
        let readings = pipeline.table("readings")
        let deadLetters = pipeline.table("dead_letters")
        _ = try await pipeline.query(
            """
            CREATE TABLE \(plant) (id TEXT PRIMARY KEY, ts TIMESTAMP WITH TIME ZONE, received_at TIMESTAMP WITH TIME ZONE,
              topic TEXT, line TEXT, temp DOUBLE)
            """, refresh: plant)
        try pipeline.startDaemon(
            pipeline.config(
                routes: """
                    [[route]]
                    topic = "plant/+line"
                    table = "\(plant)"
                    [route.columns]
                    temp = "temp"
                    [[route]]
                    topic = "ghost/+thing"
                    table = "\(pipeline.table("no_such_table"))"
                    [route.columns]
                    v = "v"
                    [[route]]
                    topic = "ok/+device"
                    table = "\(readings)"
                    """,
                batch: "max_rows = 100\nmax_delay = \"500ms\"\nin_flight = 1"))
        try pipeline.broker.publish(topic: "plant/l1", lines: [#"{"temp": 1.5}"#, #"{"temp": "abc"}"#, #"{"temp": 2.5}"#])
        try pipeline.broker.publish(topic: "ghost/a", lines: [#"{"v": 1}"#])
        try pipeline.broker.publish(topic: "ok/d1", lines: [#"{"v": 2}"#])

        #expect(try await pipeline.waitForCount(readings, 1) == 1, "the missing table stalls nothing")
        #expect(try await pipeline.waitForCount(plant, 2) == 2, "the good rows of the rejected request land")
        #expect(try await pipeline.waitForCount(deadLetters, 2) == 2)
        let letters = try await pipeline.query(
            "SELECT topic, payload, error_code FROM \(deadLetters) ORDER BY topic", refresh: deadLetters)
        #expect(letters == [["ghost/a", #"{"v": 1}"#, 4041], ["plant/l1", #"{"temp": "abc"}"#, 4000]])
    }

    /// Messages only arrive on subscribed topics, so "no route" happens when a message was spooled under a
    /// route that a new configuration no longer has.
    @Test func aSpooledMessageWhoseRouteWasRemovedIsDeadLettered() async throws {
        let pipeline = try TestPipeline(faults: true)
        defer { pipeline.stop() }
        let table = pipeline.table("readings")
        let deadLetters = pipeline.table("dead_letters")
        let sensors = """
            [[route]]
            topic = "sensors/+device/+sensor"
            table = "\(table)"
            """
        let first = try pipeline.startDaemon(pipeline.config(routes: sensors + """

            [[route]]
            topic = "elsewhere/+thing"
            table = "\(pipeline.table("others"))"
            """))
        try await pipeline.setAllNodes(.refuse)
        try pipeline.broker.publish(topic: "elsewhere/x", lines: ["{}"])
        #expect(first.notify.wait(for: "backlog 1", timeout: 30), "the message is spooled")
        first.stop()
        try await pipeline.setAllNodes(.healthy)
        try pipeline.startDaemon(pipeline.config(routes: sensors), name: "second")
        #expect(try await pipeline.waitForCount(deadLetters, 1) == 1)
        let rows = try await pipeline.query("SELECT topic, reason, payload FROM \(deadLetters)", refresh: deadLetters)
        #expect(rows == [["elsewhere/x", "no route matches the topic", "{}"]])
    }
}
