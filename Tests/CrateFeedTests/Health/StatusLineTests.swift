import Testing
@testable import CrateFeed

@Suite struct StatusLineTests {
    @Test func healthyPipelineReadsAtAGlance() {
        let snapshot = HealthSnapshot(crateDBNodesUp: 3, crateDBNodesTotal: 3, mqtt: .connected)
        #expect(StatusLine.format(snapshot, readingsPerSecond: 1204.4)
            == "1,204 readings/s · backlog 0 · CrateDB 3/3 nodes · MQTT connected · 0 dead letters")
    }

    @Test func latencyFollowsTheRateInMillisecondsThenSeconds() {
        let snapshot = HealthSnapshot(crateDBNodesUp: 3, crateDBNodesTotal: 3, mqtt: .connected)
        #expect(StatusLine.format(snapshot, readingsPerSecond: 1204.4, latencyP99: 118)
            == "1,204 readings/s · p99 118 ms to CrateDB · backlog 0 · CrateDB 3/3 nodes · MQTT connected · 0 dead letters")
        #expect(StatusLine.duration(milliseconds: 9_999) == "9999 ms")
        #expect(StatusLine.duration(milliseconds: 12_345) == "12.3 s")
    }

    @Test func backlogShowsRecordsAndSpoolSize() {
        let snapshot = HealthSnapshot(
            backlogRecords: 1_234_567, spoolBytes: 13_107_200, crateDBNodesUp: 0, crateDBNodesTotal: 3,
            mqtt: .reconnecting, deadLetters: 1)
        #expect(StatusLine.format(snapshot, readingsPerSecond: 0)
            == "0 readings/s · backlog 1,234,567 (12.5 MiB) · CrateDB 0/3 nodes · MQTT reconnecting · 1 dead letter")
    }

    @Test func backpressureSaysWhyMQTTIsPaused() {
        let snapshot = HealthSnapshot(
            backlogRecords: 9_000_000, spoolBytes: 1 << 30, crateDBNodesUp: 1, crateDBNodesTotal: 3, mqtt: .paused,
            deadLetters: 12_345, draining: true)
        #expect(StatusLine.format(snapshot, readingsPerSecond: 2.46)
            == "draining · 2.5 readings/s · backlog 9,000,000 (1.0 GiB) · CrateDB 1/3 nodes · "
            + "backpressure: MQTT paused, spool 1.0 GiB full · 12,345 dead letters")
    }

    @Test func aSpoolThatCannotBeWrittenIsNotCalledFull() {
        let snapshot = HealthSnapshot(
            backlogRecords: 10, spoolBytes: 4096, crateDBNodesUp: 3, crateDBNodesTotal: 3, mqtt: .spoolUnwritable)
        #expect(StatusLine.format(snapshot, readingsPerSecond: 0)
            == "0 readings/s · backlog 10 (4.0 KiB) · CrateDB 3/3 nodes · "
            + "MQTT paused: the spool cannot be written (see the journal) · 0 dead letters")
    }

    @Test func numbersAreGroupedInThousands() {
        #expect(StatusLine.grouped(0) == "0")
        #expect(StatusLine.grouped(999) == "999")
        #expect(StatusLine.grouped(1000) == "1,000")
        #expect(StatusLine.grouped(123_456_789) == "123,456,789")
        #expect(StatusLine.grouped(-1234) == "-1,234")
    }

    @Test func ratesBelowTenKeepOneDecimal() {
        #expect(StatusLine.rate(0) == "0")
        #expect(StatusLine.rate(.nan) == "0")
        #expect(StatusLine.rate(0.04) == "0.0")
        #expect(StatusLine.rate(9.94) == "9.9")
        #expect(StatusLine.rate(9.96) == "10")
        #expect(StatusLine.rate(100_000.2) == "100,000")
    }

    @Test func bytesUseBinaryUnits() {
        #expect(StatusLine.bytes(0) == "0 B")
        #expect(StatusLine.bytes(1023) == "1023 B")
        #expect(StatusLine.bytes(1536) == "1.5 KiB")
        #expect(StatusLine.bytes(1 << 30) == "1.0 GiB")
        #expect(StatusLine.bytes(1_073_741_823) == "1.0 GiB")
    }
}
