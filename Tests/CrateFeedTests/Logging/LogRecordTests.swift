import Logging
import Testing
@testable import CrateFeed

@Suite struct LogRecordTests {
    private func record(
        _ level: Logger.Level = .info, _ message: String = "m", metadata: Logger.Metadata = [:], suppressed: Int = 0
    ) -> LogRecord {
        let event = LogEvent(
            level: level, message: "\(message)", metadata: nil, source: nil,
            file: "CrateFeed/Writer.swift", function: "flush()", line: 42)
        return LogRecord(event: event, metadata: metadata, suppressed: suppressed)
    }

    private func fields(_ record: LogRecord) -> [String: [String]] {
        Dictionary(grouping: record.journalFields, by: \.name).mapValues { $0.map(\.value) }
    }

    @Test func levelsMapToSyslogPriorities() {
        let expected: [Logger.Level: Int] = [
            .trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2,
        ]
        for (level, priority) in expected {
            #expect(LogRecord.priority(level) == priority, "\(level)")
            #expect(fields(record(level))["PRIORITY"] == [String(priority)])
        }
    }

    @Test func journalEntryHasTheStandardFieldsAndTheCallSite() {
        let fields = fields(record(.warning, "CrateDB node down"))
        #expect(fields["MESSAGE"] == ["CrateDB node down"])
        #expect(fields["SYSLOG_IDENTIFIER"] == ["cratefeed"])
        #expect(fields["CODE_FILE"] == ["CrateFeed/Writer.swift"])
        #expect(fields["CODE_LINE"] == ["42"])
        #expect(fields["CODE_FUNC"] == ["flush()"])
        #expect(fields["MESSAGE_ID"] == nil)
    }

    @Test func metadataKeysBecomePrefixedUppercaseFields() {
        let fields = fields(record(metadata: [
            "topic": "plant/+/temp", "error_code": "4091", "node": "http://a:4200", "route.table": "t",
            "weird key-ü": "x", "": "dropped",
        ]))
        #expect(fields["CRATEFEED_TOPIC"] == ["plant/+/temp"])
        #expect(fields["CRATEFEED_ERROR_CODE"] == ["4091"])
        #expect(fields["CRATEFEED_NODE"] == ["http://a:4200"])
        #expect(fields["CRATEFEED_ROUTE_TABLE"] == ["t"])
        #expect(fields["CRATEFEED_WEIRD_KEY__"] == ["x"])
        #expect(!fields.keys.contains("CRATEFEED_"))
    }

    @Test func fieldNamesAreValidJournalNames() {
        let long = String(repeating: "k", count: 100)
        let name = LogRecord.journalFieldName(long)!
        #expect(name.count == 64)
        #expect(name.hasPrefix("CRATEFEED_KKK"))
        for key in ["a.b", "ÄÖ", "x-y z", "0day", "_x"] {
            let name = LogRecord.journalFieldName(key)!
            #expect(name.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }, "\(name)")
        }
    }

    @Test func eventsAddTheirMessageID() {
        let fields = fields(record(.notice, metadata: CrateFeedEvent.nodeDown.metadata(["node": "http://b:4200"])))
        #expect(fields["CRATEFEED_EVENT"] == ["node_down"])
        #expect(fields["MESSAGE_ID"] == [CrateFeedEvent.nodeDown.messageID])
        #expect(fields["CRATEFEED_NODE"] == ["http://b:4200"])
    }

    @Test func secretsAreDroppedWhateverTheirCase() {
        let record = record(metadata: [
            "password": "p1", "MQTT_Password": "p2", "secret": "s", "api_token": "t", "Authorization": "Basic x",
            "table": "readings", "nested": ["user": "crate", "password": "p3"],
        ])
        let all = record.journalFields.map { "\($0.name)=\($0.value)" }.joined(separator: "\n") + record.stderrLine
        for secret in ["p1", "p2", "=s", "=t", "Basic", "p3"] {
            #expect(!all.contains(secret), "\(secret) leaked")
        }
        #expect(all.contains("CRATEFEED_TABLE=readings"))
        #expect(all.contains("CRATEFEED_NESTED=[user: crate]"))
    }

    @Test func stderrLineHasPriorityPrefixAndSortedMetadata() {
        let line = record(.error, "insert failed", metadata: ["table": "t1", "error": "no route", "b": "x=y"]).stderrLine
        #expect(line == "<3>insert failed b=\"x=y\" error=\"no route\" table=t1\n")
    }

    @Test func stderrLineKeepsOneRecordOnOneLine() {
        let line = record(.info, "first\nsecond", metadata: ["detail": "a\nb \"q\""]).stderrLine
        #expect(line == "<6>first\\nsecond detail=\"a\\nb \\\"q\\\"\"\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func suppressedCountIsInTheMessageAndAField() {
        let record = record(.error, "insert failed", suppressed: 17)
        #expect(fields(record)["MESSAGE"] == ["insert failed (17 similar messages suppressed)"])
        #expect(fields(record)["CRATEFEED_SUPPRESSED"] == ["17"])
        #expect(record.stderrLine == "<3>insert failed (17 similar messages suppressed)\n")
    }

    @Test func rateLimitKeyIsNotWrittenOut() {
        let record = record(.error, metadata: ["ratelimit_key": "insert:t1", "table": "t1"])
        #expect(record.metadata.map(\.key) == ["table"])
    }

    @Test func anAttachedErrorIsWrittenOut() {
        struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let event = LogEvent(
            level: .error, message: "failed", error: Refused(), metadata: nil, source: nil, file: "f", function: "g", line: 1)
        let record = LogRecord(event: event, metadata: [:], suppressed: 0)
        #expect(fields(record)["CRATEFEED_ERROR"] == ["connection refused"])
    }
}
