import CrateDB
import Logging

/// The MQTT side of the daemon: each message is appended to the spool inside libmosquitto's callback,
/// before the callback returns. The client sends the PUBACK only after the callback, so a crash inside it gets
/// the message redelivered; at worst a crash loses the one message whose callback was running.
///
/// When the spool is full the client is paused (disconnected: the broker's persistent session queues QoS 1/2
/// messages) and resumed once the backlog drains below the spool's resume size. Nothing is dropped locally.
final class MessageIntake: MQTTClientDelegate, @unchecked Sendable {
    private let spool: Spool
    private let stats: PipelineStats
    private let logger: Logger
    /// Set by the daemon; swapped on reload while the MQTT client is stopped.
    var runtime: PipelineRuntime?
    weak var client: MQTTClient?
    var onConnect: (() -> Void)?
    private let paused = Locked(false)

    init(spool: Spool, stats: PipelineStats, logger: Logger) {
        self.spool = spool
        self.stats = stats
        self.logger = logger
    }

    var isPaused: Bool { paused.withLock { $0 } }

    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage) {
        do {
            _ = try spool.append(
                topic: message.topic, payload: message.payload, receivedAt: WallClock.microseconds(), qos: UInt8(message.qos))
        } catch {
            // Close the connection before this message is acknowledged: the broker keeps it (and any after it)
            // in the persistent session and sends it again once the spool works and MQTT resumes.
            let topic = String(decoding: message.topic, as: UTF8.self)
            logger.critical(
                "cannot write a message on \(topic) to the spool: \(error); pausing MQTT without acknowledging it",
                metadata: ["event": "spool_error", "topic": "\(topic)", "ratelimit_key": "spool_append"])
            pause(client, reason: "the spool cannot be written", acknowledge: false)
            return
        }
        stats.messageSpooled()
        runtime?.batcher.notify()
        if spool.isFull { pause(client, reason: "spool full (\(spool.sizeOnDisk) bytes)") }
    }

    func mqttClientDidConnect(_ client: MQTTClient) {
        logger.info("MQTT connected and subscribed", metadata: CrateFeedEvent.mqttConnected.metadata())
        onConnect?()
    }

    func mqttClient(_ client: MQTTClient, didDisconnectWith reason: String) {
        guard !isPaused else { return }
        logger.warning(
            "MQTT disconnected: \(reason); reconnecting",
            metadata: CrateFeedEvent.mqttDisconnected.metadata(["ratelimit_key": "mqtt_disconnect"]))
    }

    func mqttClient(_ client: MQTTClient, didReportProblem problem: String) {
        logger.error("MQTT: \(problem)", metadata: ["event": "mqtt_problem", "ratelimit_key": "mqtt_problem"])
    }

    private func pause(_ client: MQTTClient, reason: String, acknowledge: Bool = true) {
        // Even when already paused: a message that still arrives and cannot be kept must not be acknowledged.
        if !acknowledge { client.pauseWithoutAcknowledging() }
        let changed = paused.withLock { paused -> Bool in
            defer { paused = true }
            return !paused
        }
        guard changed else { return }
        if acknowledge { client.pause() }
        logger.warning(
            "backpressure on: \(reason); MQTT paused, the broker queues messages until the backlog drains",
            metadata: CrateFeedEvent.backpressureOn.metadata())
    }

    /// Called from the daemon's housekeeping tick.
    func releaseBackpressureIfDrained(spoolFull: Bool) {
        guard !spoolFull else { return }
        let changed = paused.withLock { paused -> Bool in
            defer { paused = false }
            return paused
        }
        guard changed else { return }
        client?.resume()
        logger.notice("backpressure off: the backlog drained, MQTT resumed", metadata: CrateFeedEvent.backpressureOff.metadata())
    }
}
