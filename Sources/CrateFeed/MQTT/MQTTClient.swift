import CMosquitto
import CrateDB
import Foundation
import Synchronization

/// A subscribing MQTT client over libmosquitto, with its network loop on its own thread.
///
/// The loop connects, subscribes on every connect (after unsubscribing filters dropped from the
/// configuration, see `MQTTSubscriptionMemory`), hands each message to the delegate inside libmosquitto's
/// callback, and reconnects with capped exponential backoff. Every libmosquitto call after `start()` happens
/// on that thread; `pause()`, `resume()` and `stop()` only raise flags the loop acts on within 250 ms.
///
/// Acknowledgements are queued (see `MosquittoHandle`) and written only after the delegate has been told
/// that the burst of messages they belong to is finished: a message is acknowledged to the broker only after
/// the delegate has kept it.
///
/// Backpressure: `pause()` disconnects cleanly and stays away until `resume()`. With a persistent session
/// (the default) the broker keeps queueing QoS 1/2 messages meanwhile, up to its `max_queued_messages`.
public final class MQTTClient: @unchecked Sendable {
    /// Set before `start()`; called on the network thread (see `MQTTClientDelegate`).
    public weak var delegate: MQTTClientDelegate?
    public let settings: MQTTClientSettings
    /// Beaten on every loop iteration, at least every second (also while paused or waiting out a backoff);
    /// the watchdog's `ProgressProbe.heartbeats(mqttLoop:)` reads it.
    public let heartbeat = Heartbeat()

    /// The broker accepted the connection (CONNACK) and it has not ended since.
    public var isConnected: Bool { connected.load(ordering: .relaxed) }
    /// Whether `pause()` holds (no `resume()` since): the client stays disconnected.
    public var isPaused: Bool { pauseRequested.load(ordering: .acquiring) }

    /// When the network loop last went round, in `MonotonicClock` seconds.
    public var lastActivity: Double {
        let now = MonotonicClock.now()
        return now - heartbeat.silence(now: now)
    }

    let handle: MosquittoHandle
    private let memory: MQTTSubscriptionMemory?

    // Commands from any thread: the flags are read by the loop; `control` wakes it and guards the rest.
    private let stopRequested = Atomic<Bool>(false)
    private let pauseRequested = Atomic<Bool>(false)
    /// Set when `stop()` gave up waiting for the loop: from then on nothing reaches the delegate.
    private let abandoned = Atomic<Bool>(false)
    private let connected = Atomic<Bool>(false)
    private let control = MonotonicCondition()
    private var phase = Phase.idle  // guarded by control
    private var commands = 0  // guarded by control; counts pause/resume/stop so a waiting loop notices them
    private var loopThread: pthread_t?  // guarded by control

    // Network-thread state.
    private var linkOpen = false
    private var backoff: MQTTBackoff
    private var retryAt = 0.0
    private var pendingAcks: [Int32: [String]] = [:]  // SUBSCRIBE / UNSUBSCRIBE mid -> its filters
    private var refusal: String?
    private var brokerDisconnectCode: Int32?
    private var withholdingAcknowledgements = false
    /// True while the loop reads packet by packet and decides itself when acknowledgements go out; outside,
    /// in `mosquitto_loop`, libmosquitto may write them right after a read, so each message ends its own burst.
    private var draining = false
    /// Messages handed to `deliver`, so the loop can tell whether a read completed one.
    private var delivered = 0

    private enum Phase { case idle, running, stopped }

    /// How often the loop wakes with no traffic, and so how soon it notices pause() or stop().
    private static let loopTimeoutMilliseconds: Int32 = 250
    /// The pause after a round that emptied the socket (`coalesceReads`). Short next to any batch delay, and
    /// short enough that a broker's in-flight window of 20 QoS 1 messages (mosquitto's default) still allows
    /// 20 messages per pause and round, about 80,000/s: more than mosquitto delivers at QoS 1 on the bench machine.
    private static let coalescingMicroseconds: UInt32 = 200
    private static let coalescingPause = Double(coalescingMicroseconds) / 1e6
    /// Packets read straight from the socket per loop round (mosquitto_loop reads one at QoS 0, after a select).
    private static let drainLimit = 64
    /// Messages read before their acknowledgements go out (sooner when the socket is drained). Small next to
    /// the broker's in-flight window (mosquitto: 20), so it keeps sending, yet one spool write serves several.
    private static let acknowledgementGroup = 8
    /// How long a disconnect waits for the broker to close its side (`LingeringSocket`); a mosquitto that reads
    /// the DISCONNECT closes within milliseconds, even while it is sending a backlog.
    private static let lingerSeconds = 2.0
    /// A TCP connect to an unreachable host blocks for up to the kernel's SYN retries (~127 s): longer than
    /// any watchdog limit, yet not a hang. The heartbeat is set that far ahead before each attempt.
    private static let connectAllowance = 135.0

    /// - Parameter stateDirectory: where `subscriptions` remembers the filters of the persistent session;
    ///   nil to not remember them (then filters removed from the configuration stay subscribed).
    public init(settings: MQTTClientSettings, stateDirectory: String?) throws {
        self.settings = settings
        handle = try MosquittoHandle(settings: settings)
        memory = stateDirectory.map(MQTTSubscriptionMemory.init(directory:))
        backoff = MQTTBackoff(minimum: settings.reconnectMin, maximum: settings.reconnectMax)
    }

    /// Starts the network thread, which connects in the background; progress reaches the delegate.
    public func start() throws {
        try control.withLock {
            guard phase == .idle else { throw MQTTError("the MQTT client for \(settings.url) was already started") }
            phase = .running
        }
        // Ownership: unretained. Callbacks run only on the network thread, which holds a strong reference to
        // self until it ends, and the handle is destroyed in deinit, after it.
        mosquitto_user_data_set(handle.pointer, Unmanaged.passUnretained(self).toOpaque())
        installCallbacks()
        let thread = Thread { [self] in  // strong: keeps the client alive while its loop runs
            ThreadName.set("mqtt-loop")
            runLoop()
        }
        thread.start()
    }

    /// Stop reading from the broker: disconnect cleanly and stay disconnected until `resume()`. Any thread,
    /// including inside the delegate's callback.
    public func pause() {
        command { pauseRequested.store(true, ordering: .releasing) }
    }

    public func resume() {
        command { pauseRequested.store(false, ordering: .releasing) }
    }

    /// For `mqttClient(_:didReceive:)` when the message cannot be kept (the spool cannot be written): pauses
    /// and closes the connection at once, before the acknowledgements queued in this round go out. The broker
    /// keeps the message (and the others not acknowledged) in the persistent session and sends them again
    /// after `resume()`; the daemon's deterministic ids make the repeats harmless. At QoS 0, or with a clean
    /// session, nothing can be taken back. Called on any other thread it is `pause()`.
    public func pauseWithoutAcknowledging() {
        pause()
        let onLoop = control.withLock { loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        guard onLoop, linkOpen else { return }
        withholdingAcknowledgements = true
        // libmosquitto writes its queue right after the callbacks; a shut socket makes that write fail.
        shutdown(mosquitto_socket(handle.pointer), Int32(SHUT_RDWR))
    }

    /// Disconnects cleanly (a persistent session stays at the broker) and ends the network thread, waiting
    /// up to `timeout` seconds for it; idempotent. No delegate method runs after it returns, except when it
    /// is called inside a delegate method: then the loop ends right after that callback (and any message
    /// libmosquitto already read and acknowledged in the same round is still delivered, not dropped).
    public func stop(timeout: Double = 10) {
        let loop: pthread_t? = control.withLock {
            if phase == .idle { phase = .stopped }
            return loopThread
        }
        command { stopRequested.store(true, ordering: .releasing) }
        if let loop, pthread_equal(loop, pthread_self()) != 0 { return }

        let deadline = MonotonicClock.now() + timeout
        let finished = control.withLock {
            while phase != .stopped && MonotonicClock.now() < deadline { control.wait(until: deadline) }
            return phase == .stopped
        }
        // Still in a blocking connect: it ends on its own and the loop then exits; nothing more is delivered.
        if !finished { abandoned.store(true, ordering: .releasing) }
    }

    private func command(_ change: () -> Void) {
        control.withLock {
            change()
            commands += 1
            control.broadcast()
        }
    }

    // MARK: - The network loop

    private func runLoop() {
        control.withLock { loopThread = pthread_self() }
        while !stopRequested.load(ordering: .acquiring) {
            let seen = control.withLock { commands }
            heartbeat.beat()
            let now = MonotonicClock.now()
            if linkOpen {
                if pauseRequested.load(ordering: .acquiring) {
                    disconnect(report: pauseReport)
                } else if serviceConnection() {
                    coalesceReads()
                }
            } else if pauseRequested.load(ordering: .acquiring) {
                waitForCommand(after: seen, until: now + 1)
            } else if now < retryAt {
                waitForCommand(after: seen, until: min(retryAt, now + 1))
            } else {
                attemptConnection()
            }
        }
        if linkOpen { disconnect(report: nil) }
        control.withLock {
            phase = .stopped
            control.broadcast()
        }
    }

    private func waitForCommand(after seen: Int, until deadline: Double) {
        control.withLock {
            while commands == seen && MonotonicClock.now() < deadline { control.wait(until: deadline) }
        }
    }

    private func attemptConnection() {
        refusal = nil
        brokerDisconnectCode = nil
        heartbeat.beat(at: MonotonicClock.now() + Self.connectAllowance)
        handle.captureLog(Self.logCallback)
        let code = handle.connect()
        heartbeat.beat()
        if code == MOSQ_ERR_SUCCESS.rawValue {
            linkOpen = true  // CONNECT is on its way; the CONNACK arrives through the loop
        } else {
            scheduleRetry("cannot connect to \(settings.url): \(handle.failureText(code))")
        }
    }

    /// One round: libmosquitto's loop (select, read, write, keepalive), then whatever the socket already holds.
    /// The delegate finishes a burst before any write, and at the end of the round whatever happened.
    /// Returns true when messages arrive faster than one per coalescing pause: libmosquitto's part of the round
    /// (its wait for the socket and the first packet it handled) took less than that pause, the round read
    /// messages, and then found the socket empty.
    private func serviceConnection() -> Bool {
        defer { finishBurst() }
        let pointer = handle.pointer
        let deliveredAtStart = delivered
        let waitStart = MonotonicClock.now()
        var code = mosquitto_loop(pointer, Self.loopTimeoutMilliseconds, 1)
        let waited = MonotonicClock.now() - waitStart
        guard code == MOSQ_ERR_SUCCESS.rawValue, handle.isSocketOpen else {
            connectionEnded(code)
            return false
        }
        draining = true
        defer { draining = false }
        var unacknowledged = 0
        var drained = false
        for _ in 0..<Self.drainLimit {
            if pauseRequested.load(ordering: .relaxed) || stopRequested.load(ordering: .relaxed) { break }
            errno = 0
            let deliveredBefore = delivered
            code = mosquitto_loop_read(pointer, 1)
            guard code == MOSQ_ERR_SUCCESS.rawValue, handle.isSocketOpen else {
                connectionEnded(code)
                return false
            }
            // EAGAIN usually says the socket is empty (or holds part of a packet). It may instead come from
            // libmosquitto's wake-up pipe being full as a packet's handling queued a reply. After a delivered
            // message the next read decides (one read instead of a poll per message); a packet that queued a reply
            // without a delivery (PUBREC for a QoS 2 PUBLISH, delivered on PUBREL) leaves it open, so then the
            // socket is asked.
            drained = delivered == deliveredBefore && (errno == EAGAIN || errno == EWOULDBLOCK)
                && !(mosquitto_want_write(pointer) && hasUnreadData())
            // Acknowledge a few messages at a time, so the broker's in-flight window refills while the next
            // ones are read (all at the end of the round would stall it every round).
            if mosquitto_want_write(pointer) {
                unacknowledged += 1
                if drained || unacknowledged >= Self.acknowledgementGroup {
                    unacknowledged = 0
                    guard writeQueue() else { return false }
                }
            }
            if drained { break }
        }
        if mosquitto_want_write(pointer) { guard writeQueue() else { return false } }
        return drained && delivered != deliveredAtStart && waited < Self.coalescingPause
    }

    /// After a round that emptied the socket while messages keep coming, a short pause before waiting on it
    /// again, so that the messages arriving meanwhile are read, spooled and acknowledged together: when they
    /// come one at a time (QoS 1 throttled by the publisher) each would otherwise cost its own wake-up, select and
    /// spool write. The acknowledgements have gone out, so the broker keeps sending during the pause. Messages
    /// that come in bursts with gaps longer than the pause get none: it would only add a wake-up.
    private func coalesceReads() {
        usleep(Self.coalescingMicroseconds)
    }

    /// Whether the socket holds bytes to read now (poll(2) with no wait).
    private func hasUnreadData() -> Bool {
        var socket = pollfd(fd: mosquitto_socket(handle.pointer), events: Int16(POLLIN), revents: 0)
        return poll(&socket, 1, 0) > 0 && socket.revents & Int16(POLLIN) != 0
    }

    /// Ends the burst, then writes what libmosquitto queued (acknowledgements). False when the connection ended.
    private func writeQueue() -> Bool {
        finishBurst()
        let code = mosquitto_loop_write(handle.pointer, 1)
        guard code == MOSQ_ERR_SUCCESS.rawValue, handle.isSocketOpen else {
            connectionEnded(code)
            return false
        }
        return true
    }

    private func finishBurst() {
        guard !abandoned.load(ordering: .relaxed), let delegate else { return }
        delegate.mqttClientFinishedBurst(self)
    }

    private func connectionEnded(_ code: Int32) {
        let wasConnected = connected.exchange(false, ordering: .acquiringAndReleasing)
        if withholdingAcknowledgements {
            withholdingAcknowledgements = false
            linkOpen = false
            retryAt = 0  // reconnect as soon as resumed
            return report(disconnect: "paused: closed the connection to \(settings.url) without acknowledging the last messages; the broker sends them again after resume")
        }
        let cause: String
        if let refusal {
            cause = "the broker refused the connection: \(refusal)"
        } else if code == MOSQ_ERR_SUCCESS.rawValue {
            // libmosquitto closed the socket without an error: the broker sent DISCONNECT.
            let reason = brokerDisconnectCode.map { String(cString: mosquitto_reason_string($0)) }
            cause = "the broker closed the connection" + (reason.map { " (\($0))" } ?? "")
        } else {
            cause = handle.failureText(code)
        }
        scheduleRetry((wasConnected ? "lost the connection to \(settings.url): " : "cannot connect to \(settings.url): ") + cause)
    }

    private func scheduleRetry(_ what: String) {
        linkOpen = false
        connected.store(false, ordering: .releasing)
        let delay = backoff.nextDelay()
        retryAt = MonotonicClock.now() + delay
        report(disconnect: "\(what); reconnecting in \(String(format: "%.1f", delay)) s")
    }

    /// Sends DISCONNECT after the acknowledgements still queued and closes without delivering anything more:
    /// messages not read yet stay unacknowledged at the broker and come back with the session.
    private func disconnect(report reason: String?) {
        let pointer = handle.pointer
        let lingering = LingeringSocket(duplicating: mosquitto_socket(pointer))
        mosquitto_disconnect(pointer)  // reason 0, normal: an MQTT 5 session keeps its expiry interval
        for _ in 0..<20 where handle.isSocketOpen {
            mosquitto_loop_write(pointer, 1)  // writing DISCONNECT makes libmosquitto close the socket
            if handle.isSocketOpen {
                var writable = pollfd(fd: mosquitto_socket(pointer), events: Int16(POLLOUT), revents: 0)
                _ = poll(&writable, 1, 50)
            }
        }
        // If it is still open (a TLS handshake that never finished), the next connect closes it; nothing to wait for.
        lingering?.finish(timeout: handle.isSocketOpen ? 0 : Self.lingerSeconds)
        withholdingAcknowledgements = false  // this connection is over; the next one has acknowledged nothing
        linkOpen = false
        connected.store(false, ordering: .releasing)
        if let reason { report(disconnect: reason) }
    }

    private var pauseReport: String {
        let queued =
            settings.isPersistent
            ? "the broker queues QoS 1/2 messages for the session until resume"
            : "messages published meanwhile are not kept (clean session)"
        return "paused: disconnected from \(settings.url); \(queued)"
    }

    // MARK: - Subscriptions (network thread, called from the CONNACK/SUBACK/UNSUBACK callbacks)

    func connackReceived(code: Int32) {
        guard code == 0 else {
            // libmosquitto ends the connection after this callback; connectionEnded reports it.
            refusal =
                settings.protocolVersion == .v5
                ? String(cString: mosquitto_reason_string(code)) : String(cString: mosquitto_connack_string(code))
            return
        }
        connected.store(true, ordering: .releasing)
        handle.captureLog(nil)
        backoff.reset()
        pendingAcks = [:]
        let configured = settings.subscriptions
        var stale: [String] = []
        if let memory {
            do {
                stale = MQTTSubscriptionMemory.stale(remembered: try memory.load(), configured: configured)
            } catch {
                report(problem: "\(error); filters dropped from the configuration may stay subscribed")
            }
        }
        if !stale.isEmpty { send(.unsubscribe, stale) }
        if !configured.isEmpty { send(.subscribe, configured) }
        if pendingAcks.isEmpty { subscriptionsSettled() }
    }

    private enum Request { case subscribe, unsubscribe }

    private func send(_ request: Request, _ filters: [String]) {
        var mid: Int32 = 0
        let code = withCStringArray(filters) { array in
            switch request {
            case .unsubscribe:
                return mosquitto_unsubscribe_multiple(handle.pointer, &mid, Int32(filters.count), array, nil)
            case .subscribe:
                // MQTT 5: retained messages only for a new subscription, not again on every reconnect.
                let options = settings.protocolVersion == .v5 ? Int32(MQTT_SUB_OPT_SEND_RETAIN_NEW.rawValue) : 0
                return mosquitto_subscribe_multiple(
                    handle.pointer, &mid, Int32(filters.count), array, settings.qos, options, nil)
            }
        }
        if code == MOSQ_ERR_SUCCESS.rawValue {
            pendingAcks[mid] = request == .subscribe ? filters : []
        } else {
            let what = request == .subscribe ? "subscribe to" : "unsubscribe from"
            report(problem: "cannot \(what) \(filters.map { "\"\($0)\"" }.joined(separator: ", ")) at \(settings.url): \(MQTTError.reason(code))")
        }
    }

    func subackReceived(mid: Int32, granted: UnsafeBufferPointer<Int32>) {
        guard let filters = pendingAcks.removeValue(forKey: mid) else { return }
        for (filter, code) in zip(filters, granted) where code >= 0x80 {
            let reason =
                settings.protocolVersion == .v5 ? String(cString: mosquitto_reason_string(code)) : "failure"
            report(problem: "the broker at \(settings.url) refused the subscription to \"\(filter)\" (\(reason)); no messages will come from it")
        }
        if pendingAcks.isEmpty { subscriptionsSettled() }
    }

    func unsubackReceived(mid: Int32) {
        guard pendingAcks.removeValue(forKey: mid) != nil else { return }
        if pendingAcks.isEmpty { subscriptionsSettled() }
    }

    private func subscriptionsSettled() {
        if let memory {
            do {
                try memory.save(settings.subscriptions)
            } catch {
                report(problem: "\(error); filters dropped from the configuration later may stay subscribed")
            }
        }
        guard !abandoned.load(ordering: .acquiring), let delegate else { return }
        delegate.mqttClientDidConnect(self)
    }

    func brokerDisconnected(code: Int32) {
        brokerDisconnectCode = code
    }

    // MARK: - Delivery (network thread)

    @inline(__always)
    func deliver(_ message: UnsafePointer<mosquitto_message>, properties: OpaquePointer?) {
        delivered &+= 1
        guard !abandoned.load(ordering: .relaxed), let delegate else { return }
        delegate.mqttClient(self, didReceive: MQTTMessage(message, properties: properties))
        if !draining { delegate.mqttClientFinishedBurst(self) }
    }

    private func report(disconnect reason: String) {
        guard !abandoned.load(ordering: .acquiring), let delegate else { return }
        delegate.mqttClient(self, didDisconnectWith: reason)
    }

    private func report(problem: String) {
        guard !abandoned.load(ordering: .acquiring), let delegate else { return }
        delegate.mqttClient(self, didReportProblem: problem)
    }
}

/// Calls `body` with a C array of C strings (`char *const *`), freed afterwards.
private func withCStringArray<Result>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
) -> Result {
    let pointers = strings.map { strdup($0) } + [nil]  // NUL-terminated, so never empty
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
