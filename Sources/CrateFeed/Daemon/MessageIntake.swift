import CrateDB
import Logging

/// The MQTT side of the daemon: the messages of each burst the client reads are gathered in memory and written
/// to the spool together when the burst ends, before any of them is acknowledged (the client sends PUBACK only
/// after `mqttClientFinishedBurst`). A crash loses nothing at QoS 1/2: the broker sends the unacknowledged
/// messages again. At QoS 0 it loses at most the burst, as it would lose what is still in the socket's buffer.
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
    /// Touched only on the MQTT client's network thread.
    private var burst = SpoolAppendBuffer()
    /// The first topic of the burst, for an error line; bytes in a reused array, so a burst allocates nothing.
    private var burstFirstTopic: [UInt8] = []

    init(spool: Spool, stats: PipelineStats, logger: Logger) {
        self.spool = spool
        self.stats = stats
        self.logger = logger
    }

    var isPaused: Bool { paused.withLock { $0 } }

    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage) {
        let receivedAt = WallClock.microseconds()
        if !burst.accepts(topicLength: message.topic.count, payloadLength: message.payload.count) {
            mqttClientFinishedBurst(client)
        }
        do {
            if burst.accepts(topicLength: message.topic.count, payloadLength: message.payload.count) {
                if burst.isEmpty {
                    burstFirstTopic.removeAll(keepingCapacity: true)
                    burstFirstTopic.append(contentsOf: message.topic)
                }
                try burst.add(topic: message.topic, payload: message.payload, receivedAt: receivedAt, qos: UInt8(message.qos))
                return
            }
            // Bigger than the buffer (or over the record limit, which append reports): written on its own.
            _ = try spool.append(topic: message.topic, payload: message.payload, receivedAt: receivedAt, qos: UInt8(message.qos))
        } catch {
            cannotKeep(1, firstTopic: String(decoding: message.topic, as: UTF8.self), error: error, client: client)
            return
        }
        spooled(1, client: client)
    }

    func mqttClientFinishedBurst(_ client: MQTTClient) {
        guard !burst.isEmpty else { return }
        let count = burst.count
        do {
            try spool.append(&burst)
        } catch {
            cannotKeep(count, firstTopic: String(decoding: burstFirstTopic, as: UTF8.self), error: error, client: client)
            return
        }
        spooled(count, client: client)
    }

    private func spooled(_ count: Int, client: MQTTClient) {
        stats.messagesSpooled(count)
        runtime?.batcher.notify()
        if spool.isFull { pause(client, reason: "spool full (\(spool.sizeOnDisk) bytes)") }
    }

    /// Closes the connection before these messages are acknowledged: the broker keeps them (and any after them)
    /// in the persistent session and sends them again once the spool works and MQTT resumes.
    private func cannotKeep(_ count: Int, firstTopic: String, error: Error, client: MQTTClient) {
        let what = count == 1 ? "a message on \(firstTopic)" : "\(count) messages (the first on \(firstTopic))"
        logger.critical(
            "cannot write \(what) to the spool: \(error); pausing MQTT without acknowledging",
            metadata: ["event": "spool_error", "topic": "\(firstTopic)", "ratelimit_key": "spool_append"])
        pause(client, reason: "the spool cannot be written", acknowledge: false)
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
