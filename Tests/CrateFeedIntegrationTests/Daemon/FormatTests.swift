import CrateDB
import Foundation
import IntegrationSupport
import Testing

/// `cratefeed run` end to end: mosquitto -> cratefeed -> CrateDB (the stand-in, or CRATEDB_URL), one format
/// and timestamp form after another.
@Suite struct FormatTests {
    @Test func jsonReadingsBecomeRowsWithWildcardColumns() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("readings")
        try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "sensors/+device/+sensor"
                format = "json"
                table = "\(table)"
                timestamp = "ts"
                """))
        try pipeline.broker.publish(topic: "sensors/dev1/env", lines: [
            #"{"ts": 1767225600000, "temperature": 21.5, "humidity": 40, "meta": {"fw": "1.2"}}"#,
            #"[{"ts": 1767225601000, "temperature": 21.6}, {"ts": 1767225602000, "temperature": 21.7}]"#,
        ])
        #expect(try await pipeline.waitForCount(table, 3) == 3)
        let rows = try await pipeline.query(
            "SELECT device, sensor, topic, ts, payload['temperature'], payload['meta']['fw'], received_at > ts FROM \(table) ORDER BY ts",
            refresh: table)
        #expect(rows.map { $0[0] } == ["dev1", "dev1", "dev1"])
        #expect(rows[0][1] == "env" && rows[0][2] == "sensors/dev1/env")
        #expect(rows.map { $0[3] } == [.timestamp(1_767_225_600_000), .timestamp(1_767_225_601_000), .timestamp(1_767_225_602_000)])
        #expect(rows.map { $0[4] } == [21.5, 21.6, 21.7])
        #expect(rows[0][5] == "1.2")
        #expect(rows[0][6] == true)
    }

    @Test func timestampFormsAreRecognised() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let epochs = pipeline.table("epochs")
        let texts = pipeline.table("texts")
        let local = pipeline.table("localtimes")
        // A key's type in a dynamic OBJECT is fixed by the first value, so numbers and texts use their own tables.
        try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "local/+device"
                format = "json"
                table = "\(local)"
                timestamp = "time"
                timestamp_format = "iso8601"
                timezone = "Europe/Berlin"

                [[route]]
                topic = "text/+device"
                format = "json"
                table = "\(texts)"
                timestamp = "reading.time"

                [[route]]
                topic = "t/+device"
                format = "json"
                table = "\(epochs)"
                timestamp = "reading.time"
                """))
        // The same instant, 2026-01-01T00:00:00Z, written six ways.
        try pipeline.broker.publish(topic: "t/a", lines: [
            #"{"reading": {"time": 1767225600}, "n": 1}"#,
            #"{"reading": {"time": 1767225600000}, "n": 2}"#,
            #"{"reading": {"time": 1767225600000000}, "n": 3}"#,
            #"{"reading": {"time": 1767225600000000000}, "n": 4}"#,
        ])
        try pipeline.broker.publish(topic: "text/a", lines: [
            #"{"reading": {"time": "2026-01-01T01:00:00+01:00"}, "n": 5}"#,
            #"{"reading": {"time": "2026-01-01T00:00:00.000Z"}, "n": 6}"#,
        ])
        try pipeline.broker.publish(topic: "local/b", lines: [#"{"time": "2026-01-01T01:00:00", "n": 7}"#])
        #expect(try await pipeline.waitForCount(epochs, 4) == 4)
        #expect(try await pipeline.waitForCount(texts, 2) == 2)
        #expect(try await pipeline.waitForCount(local, 1) == 1)
        for table in [epochs, texts, local] {
            let times = try await pipeline.query("SELECT DISTINCT ts FROM \(table)", refresh: table)
            #expect(times == [[.timestamp(1_767_225_600_000)]], "table \(table)")
        }
    }

    @Test func influxSenMLAndValuePayloads() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let influx = pipeline.table("influx")
        let senml = pipeline.table("senml")
        let values = pipeline.table("vals")
        try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "influx/#rest"
                format = "influx"
                table = "\(influx)"

                [[route]]
                topic = "senml/+device"
                format = "senml"
                table = "\(senml)"

                [[route]]
                topic = "values/+device/+sensor"
                format = "value"
                table = "\(values)"
                """))
        try pipeline.broker.publish(topic: "influx/site1/line2", lines: [
            "env,device=dev5 temperature=21.5,humidity=40i 1767225600000000000\nenv,device=dev6 temperature=19.25,ok=true 1767225601000000000"
        ])
        try pipeline.broker.publish(topic: "senml/dev7", lines: [
            #"[{"bn":"urn:dev:ow:10e2073a01080063:","bt":1767225600,"bu":"Cel","n":"temp","v":23.1},{"n":"hum","u":"%RH","v":41,"t":1}]"#
        ])
        try pipeline.broker.publish(topic: "values/dev8/temp", lines: ["21.5", "22", "true", "door open"])

        #expect(try await pipeline.waitForCount(influx, 2) == 2)
        #expect(try await pipeline.waitForCount(senml, 2) == 2)
        #expect(try await pipeline.waitForCount(values, 4) == 4)

        let influxRows = try await pipeline.query(
            "SELECT rest, ts, payload['measurement'], payload['tags']['device'], payload['fields']['temperature'] FROM \(influx) ORDER BY ts",
            refresh: influx)
        #expect(influxRows.first == ["site1/line2", .timestamp(1_767_225_600_000), "env", "dev5", 21.5])
        let senmlRows = try await pipeline.query(
            "SELECT ts, payload['name'], payload['unit'], payload['value'] FROM \(senml) ORDER BY ts", refresh: senml)
        #expect(senmlRows == [
            [.timestamp(1_767_225_600_000), "urn:dev:ow:10e2073a01080063:temp", "Cel", 23.1],
            // 41 comes back as 41.0: the first reading made `value` a DOUBLE sub-column.
            [.timestamp(1_767_225_601_000), "urn:dev:ow:10e2073a01080063:hum", "%RH", 41.0],
        ])
        let valueRows = try await pipeline.query("SELECT device, sensor, payload FROM \(values)", refresh: values)
        #expect(Set(valueRows.map { $0[2] }) == [["value": 21.5], ["value": 22.0], ["bool_value": true], ["string_value": "door open"]])
        #expect(valueRows.allSatisfy { $0[0] == "dev8" && $0[1] == "temp" })
    }

    @Test func blobsAreStoredBeforeTheRowsThatNameThem() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let frames = pipeline.table("frames")
        let cameras = pipeline.table("cameras")
        try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "frames/+device"
                format = "blob"
                table = "\(frames)"
                content_type = "image/jpeg"

                [[route]]
                topic = "cameras/+device"
                format = "json"
                table = "\(cameras)"
                blob_fields = ["image"]
                """))
        let frame = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try pipeline.broker.publish(topic: "frames/cam1", payload: frame)
        let picture = Array("a small picture".utf8)
        try pipeline.broker.publish(
            topic: "cameras/cam2", lines: [#"{"image": "\#(Data(picture).base64EncodedString())", "exposure": 0.01}"#])

        #expect(try await pipeline.waitForCount(frames, 1) == 1)
        #expect(try await pipeline.waitForCount(cameras, 1) == 1)
        let frameRow = try await pipeline.query("SELECT digest, size, content_type FROM \(frames)", refresh: frames)
        #expect(frameRow == [[.text(SHA1.hexDigest(frame)), 70_000, "image/jpeg"]])
        var stored: [UInt8] = []
        for try await chunk in try await pipeline.connection.blobContainer("\(frames)_blobs").get(SHA1.hexDigest(frame)) {
            stored += chunk
        }
        #expect(stored == frame)

        let cameraRow = try await pipeline.query("SELECT payload['image'], payload['exposure'] FROM \(cameras)", refresh: cameras)
        #expect(cameraRow == [[.text(SHA1.hexDigest(picture)), 0.01]])
        #expect(try await pipeline.connection.blobContainer("\(cameras)_blobs").exists(SHA1.hexDigest(picture)))

        // The same frame again: CrateDB answers 409 (the blob exists), which counts as stored, and the new row lands.
        try pipeline.broker.publish(topic: "frames/cam1", payload: frame)
        #expect(try await pipeline.waitForCount(frames, 2) == 2)
        #expect(try await pipeline.count(pipeline.table("dead_letters")) == 0)
    }
}

/// A route with `[route.columns]` writes payload fields into the columns of a table that already exists.
@Suite struct MappedColumnTests {
    @Test func payloadFieldsGoToTheirColumns() async throws {
        let pipeline = try TestPipeline()
        defer { pipeline.stop() }
        let table = pipeline.table("climate")
        try await pipeline.connection.execute(
            """
            CREATE TABLE \(table) (id TEXT PRIMARY KEY, ts TIMESTAMP WITH TIME ZONE, received_at TIMESTAMP WITH TIME ZONE,
              topic TEXT, room TEXT, temp DOUBLE, hum DOUBLE)
            """)
        try pipeline.startDaemon(
            pipeline.config(routes: """
                [[route]]
                topic = "rooms/+room"
                format = "json"
                table = "\(table)"
                timestamp = "ts"

                [route.columns]
                "values.temperature" = "temp"
                humidity = "hum"
                """))
        try pipeline.broker.publish(topic: "rooms/kitchen", lines: [
            #"{"ts": 1767225600000, "values": {"temperature": 21.5}, "humidity": 40.5}"#,
            #"{"ts": 1767225601000, "values": {}}"#,
        ])
        #expect(try await pipeline.waitForCount(table, 2) == 2)
        let rows = try await pipeline.query("SELECT room, temp, hum FROM \(table) ORDER BY ts", refresh: table)
        #expect(rows == [["kitchen", 21.5, 40.5], ["kitchen", nil, nil]])
    }
}
