import CMosquitto
import Testing

@testable import CrateFeed

@Suite struct MessageIntakeTests {
    /// A burst the spool cannot take is not acknowledged: MQTT pauses, and the one error line names how many
    /// messages and the burst's first topic (kept as bytes, so a burst allocates nothing on the hot path).
    @Test func aBurstTheSpoolCannotTakeIsReportedWithItsFirstTopicAndPausesMQTT() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration())
        let capture = LogCapture()
        let intake = MessageIntake(spool: spool, stats: PipelineStats(), logger: capture.logger())
        let client = try MQTTClient(settings: MQTTClientSettings(clientID: "intake-test"), stateDirectory: nil)
        try spool.close()

        for topic in ["sensors/dev1/env", "sensors/dev2/env", "sensors/dev3/env"] {
            deliver(topic: topic, payload: #"{"t":1}"#, to: intake, client: client)
        }
        intake.mqttClientFinishedBurst(client)

        let lines = capture.lines()
        #expect(lines.contains { $0.contains("cannot write 3 messages (the first on sensors/dev1/env) to the spool") })
        #expect(intake.isPaused)
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
