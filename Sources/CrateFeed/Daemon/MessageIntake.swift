import CrateDB
import Logging

/// The MQTT side of the daemon: each message is appended to the spool inside libmosquitto's callback,
/// before the callback returns, so a crash loses at most the message whose callback was running.
///
/// When the spool is full the client is paused (disconnected: the broker's persistent session queues QoS 1/2
/// messages) and resumed once the backlog drains below the spool's resume size. Nothing is dropped locally.
final class MessageIntake: MQTTClientDelegate, @unchecked Sendable {
    private let spool: Spool
    private let stats: PipelineStats
    private let logger: Logger
    /// Set by the daemon; swapped on reload.
    var runtime: PipelineRuntime?
    var runtimeBox: Locked<PipelineRuntime>?
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
            // The broker already has our acknowledgement; the message cannot be kept. Say so loudly, naming
            // it, and stop taking more until the spool works again.
            let topic = String(decoding: message.topic, as: UTF8.self)
            logger.critical(
                "cannot write a message on \(topic) to the spool, it is lost: \(error); pausing MQTT",
                metadata: ["event": "spool_error", "topic": "\(topic)", "ratelimit_key": "spool_append"])
            pause(client, reason: "the spool cannot be written")
            return
        }
        stats.update { $0.messagesSpooled += 1 }
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

    private func pause(_ client: MQTTClient, reason: String) {
        let changed = paused.withLock { paused -> Bool in
            defer { paused = true }
            return !paused
        }
        guard changed else { return }
        client.pause()
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
