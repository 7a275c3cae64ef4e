import CMosquitto
import Testing

@testable import CrateFeed

@Suite struct MessageIntakeTests {
    /// A burst the spool cannot take is not acknowledged: MQTT pauses, and the one error line names how many
    /// messages and the burst's first topic (kept as bytes, so a burst allocates nothing on the hot path).
    @Test func aBurstTheSpoolCannotTakeIsReportedWithItsFirstTopicAndPausesMQTT() throws {
        let (intake, client, capture) = try intakeWithAClosedSpool()

        for topic in ["sensors/dev1/env", "sensors/dev2/env", "sensors/dev3/env"] {
            deliver(topic: topic, payload: #"{"t":1}"#, to: intake, client: client)
        }
        intake.mqttClientFinishedBurst(client)

        let lines = capture.lines()
        #expect(lines.contains { $0.contains("cannot write 3 messages (the first on sensors/dev1/env) to the spool") })
        #expect(intake.isPaused)
    }

    /// A failed write is tried again after 1 s, then after doubling waits: no reconnect on every housekeeping
    /// tick while a disk is full, and no "backpressure" (that is a full spool) in the status or the journal.
    @Test func aSpoolThatFailsIsTriedAgainAfterGrowingWaits() throws {
        let clock = ManualClock()
        let (intake, client, capture) = try intakeWithAClosedSpool(clock: clock)

        deliver(topic: "sensors/dev1/env", payload: #"{"t":1}"#, to: intake, client: client)
        intake.mqttClientFinishedBurst(client)
        #expect(intake.pauseCause == .spoolUnwritable)
        #expect(capture.lines().contains { $0.contains("MQTT paused without acknowledging, trying again in 1 s") })
        #expect(!capture.lines().contains { $0.contains("backpressure") })

        clock.advance(seconds: 0.9)
        intake.resumeIfDue(spoolFull: false)
        #expect(intake.pauseCause == .spoolUnwritable, "resumed before its wait")
        clock.advance(seconds: 0.1)
        intake.resumeIfDue(spoolFull: false)
        #expect(intake.pauseCause == nil)
        #expect(capture.lines().contains { $0.contains("MQTT resumed to try the spool again") })

        deliver(topic: "sensors/dev1/env", payload: #"{"t":2}"#, to: intake, client: client)
        intake.mqttClientFinishedBurst(client)
        clock.advance(seconds: 1.5)
        deliver(topic: "sensors/dev1/env", payload: #"{"t":3}"#, to: intake, client: client)  // same pause, same wait
        intake.mqttClientFinishedBurst(client)
        intake.resumeIfDue(spoolFull: false)
        #expect(intake.pauseCause == .spoolUnwritable, "the second wait is 2 s")
        clock.advance(seconds: 0.5)
        intake.resumeIfDue(spoolFull: false)
        #expect(intake.pauseCause == nil)
    }

    /// The new client of a reload starts paused when MQTT is paused, rather than reading into a full spool.
    @Test func aClientAttachedWhileMQTTIsPausedStartsPaused() throws {
        let clock = ManualClock()
        let (intake, client, _) = try intakeWithAClosedSpool(clock: clock)
        #expect(!client.isPaused)
        deliver(topic: "sensors/dev1/env", payload: #"{"t":1}"#, to: intake, client: client)
        intake.mqttClientFinishedBurst(client)
        #expect(client.isPaused)

        let next = try MQTTClient(settings: MQTTClientSettings(clientID: "intake-test-2"), stateDirectory: nil)
        intake.attach(next)
        #expect(next.isPaused)
        clock.advance(seconds: 1)
        intake.resumeIfDue(spoolFull: false)
        #expect(!next.isPaused)
    }

    /// An intake whose spool fails every write (it is closed; its directory goes when this returns), with a
    /// client that is never started.
    private func intakeWithAClosedSpool(clock: ManualClock = ManualClock()) throws -> (MessageIntake, MQTTClient, LogCapture) {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration())
        let capture = LogCapture()
        let read = clock.read
        let intake = MessageIntake(
            spool: spool, stats: PipelineStats(), logger: capture.logger(), clock: { Double(read()) / 1e9 })
        let client = try MQTTClient(settings: MQTTClientSettings(clientID: "intake-test"), stateDirectory: nil)
        intake.attach(client)
        try spool.close()
        return (intake, client, capture)
    }

    private func deliver(topic: String, payload: String, to intake: MessageIntake, client: MQTTClient) {
        var topicBytes = Array(topic.utf8CString)
        var payloadBytes = Array(payload.utf8)
        topicBytes.withUnsafeMutableBufferPointer { topicBuffer in
            payloadBytes.withUnsafeMutableBytes { payloadBuffer in
                var message = mosquitto_message(
                    mid: 1, topic: topicBuffer.baseAddress, payload: payloadBuffer.baseAddress,
                    payloadlen: Int32(payloadBuffer.count), qos: 1, retain: false)
                withUnsafePointer(to: &message) { pointer in
                    intake.mqttClient(client, didReceive: MQTTMessage(pointer, properties: nil))
                }
            }
        }
    }
}
