import CMosquitto
import Foundation
import Synchronization

/// A fast publishing MQTT client over libmosquitto for `cratefeed simulate`, tests and the benchmark.
///
/// Everything runs on the calling thread: libmosquitto's unthreaded mode writes each PUBLISH to the socket
/// inside `mosquitto_publish`, and the publisher runs the network loop between publishes to read
/// acknowledgements and keep the connection alive. That is fewer system calls per message than a separate
/// loop thread (whose wake-up costs a write per publish) and needs no locking.
///
/// At most `window` messages are outstanding: QoS 0 ones not yet written to the socket, QoS 1/2 ones not yet
/// acknowledged. `publish` waits when the window is full, so memory stays bounded and nothing is dropped when
/// the broker is slower than the publisher. A lost connection is re-established with backoff; libmosquitto
/// resends unacknowledged QoS 1/2 messages (QoS 0 messages not yet written are lost, as QoS 0 allows).
public final class MQTTPublisher: @unchecked Sendable {
    public let settings: MQTTClientSettings
    public let window: Int
    /// Messages handed to libmosquitto.
    public private(set) var published = 0
    /// QoS 1/2 messages the broker acknowledged (PUBACK, PUBCOMP), including MQTT 5 refusals.
    public private(set) var acknowledged = 0
    /// QoS 1/2 messages the broker refused with an MQTT 5 reason code of 0x80 or more (not authorised, say).
    public private(set) var refused = 0
    /// QoS 0 messages dropped with a lost connection before they were written.
    public private(set) var lost = 0
    /// Connection events after the first connect ("lost the connection to ...", "reconnected to ..."), for a log line.
    public var onEvent: ((String) -> Void)?

    let handle: MosquittoHandle
    private let cancelled = Atomic<Bool>(false)
    private var backoff: MQTTBackoff
    private var linkReady = false
    private var connackCode: Int32?
    /// The QoS of each outstanding QoS 1/2 message by message id (libmosquitto's ids are 16-bit), so the
    /// publish callback tells an acknowledgement from a QoS 0 write without a per-message allocation.
    private var qosByMid = [UInt8](repeating: 0, count: 65536)
    private var unwrittenQoS0 = 0
    private var unacknowledged = 0
    private var publishesSinceService = 0

    /// mosquitto's default `max_inflight_messages`.
    static let mqtt311InFlight = 20

    /// Messages outstanding (QoS 0 unwritten, QoS 1/2 unacknowledged).
    public var outstanding: Int { unwrittenQoS0 + unacknowledged }

    /// - Parameter window: messages outstanding at most, 1 to 65535 (also libmosquitto's send maximum).
    public init(settings: MQTTClientSettings, window: Int = 1000) throws {
        guard (1...65535).contains(window) else { throw MQTTError("the publish window \(window) is not between 1 and 65535") }
        self.settings = settings
        self.window = window
        handle = try MosquittoHandle(settings: settings)
        backoff = MQTTBackoff(minimum: settings.reconnectMin, maximum: settings.reconnectMax)
        // QoS 1/2 messages libmosquitto sends before waiting for acknowledgements. MQTT 5 brokers announce their
        // receive maximum in CONNACK and libmosquitto keeps to it. MQTT 3.1.1 has no such announcement, and
        // mosquitto drops a client that has more QoS 2 messages in flight than its max_inflight_messages
        // (20 by default), so 3.1.1 stays within that.
        let sendMaximum = settings.protocolVersion == .v311 ? min(window, Self.mqtt311InFlight) : window
        try MQTTError.check(
            mosquitto_int_option(handle.pointer, MOSQ_OPT_SEND_MAXIMUM, Int32(sendMaximum)),
            "cannot set the publish window")
        // Ownership: unretained. The handle is owned by self and destroyed in its deinit, and callbacks run
        // only inside libmosquitto calls made by self's methods.
        mosquitto_user_data_set(handle.pointer, Unmanaged.passUnretained(self).toOpaque())
        installCallbacks()
    }

    /// Makes any waiting or later call throw promptly. Any thread (a signal handler's queue, say).
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Connects and waits for the broker to accept (CONNACK); throws one line if it cannot within `timeout`.
    public func connect(timeout: Double = 30) throws {
        try establish(deadline: MonotonicClock.now() + timeout)
    }

    /// Publishes one message, waiting while the window is full or the connection is being re-established.
    /// `topic` is a NUL-terminated UTF-8 string; the payload is copied by libmosquitto.
    public func publish(topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer, qos: Int32, retain: Bool = false)
        throws
    {
        while !linkReady || outstanding >= window {
            try service(milliseconds: 100)
        }
        // Counted before the call: libmosquitto writes a QoS 0 packet inside it and reports the write then.
        if qos == 0 { unwrittenQoS0 += 1 }
        var mid: Int32 = 0
        let code = mosquitto_publish(
            handle.pointer, &mid, topic, Int32(payload.count), payload.baseAddress, qos, retain)
        let connectionTrouble = code != MOSQ_ERR_SUCCESS.rawValue && MQTTError.connectionCodes.contains(code)
        guard code == MOSQ_ERR_SUCCESS.rawValue || connectionTrouble else {
            if qos == 0 { unwrittenQoS0 -= 1 }
            try MQTTError.check(code, "cannot publish to \(String(cString: topic))")
            return
        }
        published += 1
        if qos > 0 {
            // Queued inside libmosquitto even when sending failed: resent after the reconnect.
            qosByMid[Int(UInt16(truncatingIfNeeded: mid))] = UInt8(qos)
            unacknowledged += 1
        }
        if connectionTrouble {
            try connectionEnded(code)
            return
        }
        // Every so often a non-blocking round reads acknowledgements and answers keepalive.
        publishesSinceService += 1
        if publishesSinceService >= 64 {
            try service(milliseconds: 0)
        }
    }

    /// Convenience for tests: copies the topic into a C string.
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) throws {
        try payload.withUnsafeBytes { bytes in
            try topic.withCString { try publish(topic: $0, payload: bytes, qos: qos, retain: retain) }
        }
    }

    /// Runs the network loop for `seconds` (reading acknowledgements, keeping the connection alive): the
    /// publisher's way to pace itself.
    public func idle(for seconds: Double) throws {
        let deadline = MonotonicClock.now() + seconds
        while true {
            let remaining = deadline - MonotonicClock.now()
            if remaining <= 0 { return }
            try service(milliseconds: Int32(min(100, max(1, remaining * 1000))))
        }
    }

    /// Waits until every message is written and every QoS 1/2 message acknowledged; throws naming how many
    /// are still outstanding after `timeout` seconds.
    public func flush(timeout: Double) throws {
        let deadline = MonotonicClock.now() + timeout
        while outstanding > 0 || (linkReady && mosquitto_want_write(handle.pointer)) {
            guard MonotonicClock.now() < deadline else {
                throw MQTTError("\(outstanding) messages to \(settings.url) still unacknowledged after \(Int(timeout)) s")
            }
            try service(milliseconds: 100)
        }
    }

    /// Sends DISCONNECT and closes the connection.
    public func disconnect() {
        guard linkReady || handle.isSocketOpen else { return }
        mosquitto_disconnect(handle.pointer)
        for _ in 0..<20 where handle.isSocketOpen {
            mosquitto_loop(handle.pointer, 50, 1)  // writing DISCONNECT makes libmosquitto close the socket
        }
        linkReady = false
    }

    // MARK: - Network loop

    /// One round of libmosquitto's loop, waiting up to `milliseconds` for the socket; re-establishes a lost
    /// connection.
    private func service(milliseconds: Int32) throws {
        guard !cancelled.load(ordering: .acquiring) else { throw MQTTError("publishing to \(settings.url) was cancelled") }
        publishesSinceService = 0
        guard linkReady else { return try establish(deadline: nil) }
        let code = mosquitto_loop(handle.pointer, milliseconds, 1)
        if code != MOSQ_ERR_SUCCESS.rawValue || !handle.isSocketOpen { try connectionEnded(code) }
    }

    private func connectionEnded(_ code: Int32) throws {
        linkReady = false
        // libmosquitto drops queued packets when it reconnects: QoS 0 messages not yet written are gone.
        lost += unwrittenQoS0
        unwrittenQoS0 = 0
        let cause = code == MOSQ_ERR_SUCCESS.rawValue ? "the broker closed the connection" : handle.failureText(code)
        onEvent?("lost the connection to \(settings.url): \(cause); reconnecting")
        try establish(deadline: nil)
        onEvent?("reconnected to \(settings.url)")
    }

    /// Connects until the broker accepts, with backoff between attempts; with a deadline, throws once it has
    /// passed (the first connect), without one retries until cancelled (a reconnect).
    private func establish(deadline: Double?) throws {
        while true {
            guard !cancelled.load(ordering: .acquiring) else { throw MQTTError("publishing to \(settings.url) was cancelled") }
            let failure: String
            switch attempt(timeout: deadline.map { $0 - MonotonicClock.now() } ?? Double(settings.keepalive)) {
            case .accepted:
                backoff.reset()
                linkReady = true
                return
            case .failed(let text):
                failure = text
            }
            let delay = backoff.nextDelay()
            if let deadline, MonotonicClock.now() + delay >= deadline {
                throw MQTTError("cannot connect to \(settings.url): \(failure)")
            }
            onEvent?("cannot connect to \(settings.url): \(failure); retrying in \(String(format: "%.1f", delay)) s")
            let wakeAt = MonotonicClock.now() + delay
            while MonotonicClock.now() < wakeAt {
                guard !cancelled.load(ordering: .acquiring) else { throw MQTTError("publishing to \(settings.url) was cancelled") }
                usleep(useconds_t(min(0.1, max(0, wakeAt - MonotonicClock.now())) * 1e6))
            }
        }
    }

    private enum Attempt { case accepted, failed(String) }

    /// One connection attempt: TCP (and TLS) connect, CONNECT, then the loop until CONNACK.
    private func attempt(timeout: Double) -> Attempt {
        connackCode = nil
        handle.captureLog(Self.logCallback)
        let code = handle.connect()
        guard code == MOSQ_ERR_SUCCESS.rawValue else { return .failed(handle.failureText(code)) }
        let deadline = MonotonicClock.now() + max(timeout, 1)
        while connackCode == nil {
            let loopCode = mosquitto_loop(handle.pointer, 100, 1)
            if connackCode != nil { break }
            if loopCode != MOSQ_ERR_SUCCESS.rawValue || !handle.isSocketOpen {
                return .failed(loopCode == MOSQ_ERR_SUCCESS.rawValue ? "the broker closed the connection" : handle.failureText(loopCode))
            }
            if MonotonicClock.now() >= deadline || cancelled.load(ordering: .acquiring) {
                mosquitto_disconnect(handle.pointer)
                return .failed("no CONNACK within \(Int(timeout)) s")
            }
        }
        guard connackCode == 0 else {
            let refusal = connackCode.map {
                settings.protocolVersion == .v5 ? String(cString: mosquitto_reason_string($0)) : String(cString: mosquitto_connack_string($0))
            } ?? ""
            return .failed("the broker refused the connection: \(refusal)")
        }
        handle.captureLog(nil)
        return .accepted
    }

    // MARK: - Bookkeeping (called from libmosquitto's callbacks, on the calling thread)

    func connackReceived(code: Int32) {
        connackCode = code
    }

    /// A QoS 0 message was written, or a QoS 1/2 message acknowledged (`reason` is the MQTT 5 reason code).
    /// Only outstanding QoS 1/2 messages have a non-zero entry in `qosByMid` (it is cleared on their
    /// acknowledgement, and ids are unique among outstanding messages since the window is below 65536).
    func publishCompleted(mid: Int32, reason: Int32) {
        let index = Int(UInt16(truncatingIfNeeded: mid))
        if qosByMid[index] == 0 {
            if unwrittenQoS0 > 0 { unwrittenQoS0 -= 1 }
        } else {
            qosByMid[index] = 0
            unacknowledged -= 1
            acknowledged += 1
            if reason >= 0x80 { refused += 1 }
        }
    }

    private func installCallbacks() {
        let pointer = handle.pointer
        // Ownership as in init: the userdata is self, unretained; callbacks run inside self's own calls.
        mosquitto_connect_v5_callback_set(pointer) { _, userdata, code, _, _ in
            guard let userdata else { return }
            Unmanaged<MQTTPublisher>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.connackReceived(code: code) }
        }
        mosquitto_publish_v5_callback_set(pointer) { _, userdata, mid, reason, _ in
            guard let userdata else { return }
            Unmanaged<MQTTPublisher>.fromOpaque(userdata)._withUnsafeGuaranteedRef {
                $0.publishCompleted(mid: mid, reason: reason)
            }
        }
    }

    /// Set only while connecting (`MosquittoHandle.captureLog`).
    private static let logCallback: MosquittoHandle.LogCallback = { _, userdata, level, text in
        guard let userdata else { return }
        Unmanaged<MQTTPublisher>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.handle.record(logLevel: level, text) }
    }
}
