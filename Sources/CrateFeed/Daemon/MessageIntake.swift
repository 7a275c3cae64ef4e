import CrateDB
import Logging

/// The MQTT side of the daemon: the messages of each burst the client reads are gathered in memory and written
/// to the spool together when the burst ends, before any of them is acknowledged (the client sends PUBACK only
/// after `mqttClientFinishedBurst`). A crash loses nothing at QoS 1/2: the broker sends the unacknowledged
/// messages again. At QoS 0 it loses at most the burst, as it would lose what is still in the socket's buffer.
///
/// When the spool is full the client is paused (disconnected: the broker's persistent session queues QoS 1/2
/// messages) and resumed once the backlog drains below the spool's resume size. When the spool fails a write
/// (a full disk) the messages are not acknowledged, the client is paused, and the spool is tried again after
/// 1 s, then after waits doubling up to a minute. Nothing is dropped locally.
final class MessageIntake: MQTTClientDelegate, @unchecked Sendable {
    /// Why reading from the broker is paused.
    enum PauseCause: Equatable {
        case spoolFull
        case spoolUnwritable
    }

    private struct PauseState {
        var cause: PauseCause?
        /// After a failed spool write: when to resume and try again, and the wait after the next failure.
        var retryAt = 0.0
        var retryDelay = MessageIntake.firstRetryDelay
    }

    static let firstRetryDelay = 1.0
    static let longestRetryDelay = 60.0

    private let spool: Spool
    private let stats: PipelineStats
    private let logger: Logger
    /// Monotonic seconds, for the waits before a failed spool write is tried again (tests move it by hand).
    private let clock: @Sendable () -> Double
    /// Set by the daemon; swapped on reload while the MQTT client is stopped.
    var runtime: PipelineRuntime?
    private(set) weak var client: MQTTClient?
    var onConnect: (() -> Void)?
    private let pause = Locked(PauseState())
    /// Touched only on the MQTT client's network thread, like `writeFailed`.
    private var burst = SpoolAppendBuffer()
    /// A spool write failed and none has succeeded since: the next success is worth a line.
    private var writeFailed = false
    /// The first topic of the burst, for an error line; bytes in a reused array, so a burst allocates nothing.
    private var burstFirstTopic: [UInt8] = []

    init(spool: Spool, stats: PipelineStats, logger: Logger, clock: @escaping @Sendable () -> Double = MonotonicClock.now) {
        self.spool = spool
        self.stats = stats
        self.logger = logger
        self.clock = clock
    }

    /// Takes a new client (at start and after a reload), paused already if MQTT is paused: a reload while the
    /// spool is full or failing must not start reading again.
    func attach(_ client: MQTTClient) {
        if isPaused { client.pause() }
        self.client = client
    }

    var pauseCause: PauseCause? { pause.withLock { $0.cause } }
    var isPaused: Bool { pauseCause != nil }

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
        if writeFailed {
            writeFailed = false
            pause.withLock { $0.retryDelay = Self.firstRetryDelay }
            logger.notice("the spool can be written again: MQTT runs", metadata: CrateFeedEvent.spoolWritable.metadata())
        }
        if spool.isFull { pause(client, cause: .spoolFull) }
    }

    /// Closes the connection before these messages are acknowledged: the broker keeps them (and any after them)
    /// in the persistent session and sends them again once the spool works and MQTT resumes.
    private func cannotKeep(_ count: Int, firstTopic: String, error: Error, client: MQTTClient) {
        writeFailed = true
        let delay = pause(client, cause: .spoolUnwritable)
        let what = count == 1 ? "a message on \(firstTopic)" : "\(count) messages (the first on \(firstTopic))"
        logger.critical(
            "cannot write \(what) to the spool: \(error); MQTT paused without acknowledging, trying again in \(Int(delay.rounded(.up))) s",
            metadata: CrateFeedEvent.spoolUnwritable.metadata(["topic": "\(firstTopic)", "ratelimit_key": "spool_append"]))
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

    /// Pauses the client; a failed write overrides a full spool as the cause. Returns the wait before a failed
    /// write is tried again (0 for a full spool); failures while paused for one keep its wait. Only a full spool
    /// is "backpressure": a failed write has its own critical line.
    @discardableResult
    private func pause(_ client: MQTTClient, cause: PauseCause) -> Double {
        // Even when already paused: a message that still arrives and cannot be kept must not be acknowledged.
        if cause == .spoolUnwritable { client.pauseWithoutAcknowledging() }
        let now = clock()
        let (previous, delay) = pause.withLock { state -> (PauseCause?, Double) in
            let previous = state.cause
            switch (cause, previous) {
            case (.spoolFull, nil):
                state.cause = .spoolFull
            case (.spoolFull, _):
                break
            case (.spoolUnwritable, .spoolUnwritable?):
                return (previous, max(0, state.retryAt - now))
            case (.spoolUnwritable, _):
                state.cause = .spoolUnwritable
                state.retryAt = now + state.retryDelay
                state.retryDelay = min(state.retryDelay * 2, Self.longestRetryDelay)
                return (previous, state.retryAt - now)
            }
            return (previous, 0)
        }
        if cause == .spoolFull && previous == nil {
            client.pause()
            logger.warning(
                "backpressure on: spool full (\(spool.sizeOnDisk) bytes); MQTT paused, the broker queues messages until the backlog drains",
                metadata: CrateFeedEvent.backpressureOn.metadata())
        }
        return delay
    }

    /// Called from the daemon's housekeeping tick: resumes MQTT once the spool has room again, or, after a failed
    /// write, once the wait before trying it again has passed.
    func resumeIfDue(spoolFull: Bool) {
        guard !spoolFull else { return }
        let now = clock()
        let resumed = pause.withLock { state -> PauseCause? in
            guard let cause = state.cause, cause == .spoolFull || now >= state.retryAt else { return nil }
            state.cause = nil
            return cause
        }
        guard let resumed else { return }
        client?.resume()
        switch resumed {
        case .spoolFull:
            logger.notice("backpressure off: the backlog drained, MQTT resumed", metadata: CrateFeedEvent.backpressureOff.metadata())
        case .spoolUnwritable:
            logger.info("MQTT resumed to try the spool again", metadata: ["event": "spool_retry"])
        }
    }
}
