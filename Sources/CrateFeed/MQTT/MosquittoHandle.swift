import CMosquitto
import Glibc

/// One libmosquitto client handle (`struct mosquitto *`), configured from `MQTTClientSettings`: protocol
/// version, credentials, TLS and the MQTT 5 connect properties. Its owner (`MQTTClient`, `MQTTPublisher`)
/// sets the callbacks and the userdata and runs the network loop; only one thread uses a handle at a time.
final class MosquittoHandle {
    let pointer: OpaquePointer
    let settings: MQTTClientSettings
    /// MQTT 5 CONNECT properties (the session expiry interval); owned here, freed in deinit.
    private var connectProperties: OpaquePointer?
    /// The latest error or warning libmosquitto logged (OpenSSL's reason for a failed handshake, say),
    /// added to the next failure reported. Touched only on the thread that runs the loop.
    var lastLoggedProblem: String?

    init(settings: MQTTClientSettings) throws {
        try settings.validate()
        guard MosquittoHandle.libraryInitialized else { throw MQTTError("libmosquitto failed to initialise") }
        // The userdata is set by the owner once it exists (mosquitto_user_data_set); nil until then.
        guard let pointer = mosquitto_new(settings.clientID.isEmpty ? nil : settings.clientID, settings.cleanSession, nil)
        else { throw MQTTError("cannot create an MQTT client for \(settings.url): \(String(cString: strerror(errno)))") }
        self.pointer = pointer
        self.settings = settings
        // Every stored property is set, so if this throws, deinit runs and frees the handle.
        try configure()
    }

    deinit {
        mosquitto_property_free_all(&connectProperties)
        mosquitto_destroy(pointer)
    }

    /// Connects (blocking for the TCP connect: libmosquitto has no non-blocking connect that carries MQTT 5
    /// properties) and queues CONNECT; the CONNACK arrives through the network loop. Returns a MOSQ_ERR code.
    func connect() -> Int32 {
        lastLoggedProblem = nil
        return mosquitto_connect_bind_v5(
            pointer, settings.host, Int32(settings.port), Int32(settings.keepalive), nil, connectProperties)
    }

    /// Whether a TCP connection (possibly still handshaking) is open.
    var isSocketOpen: Bool {
        mosquitto_socket(pointer) >= 0
    }

    /// "<reason>" for a MOSQ_ERR code, with what libmosquitto logged about it when that says more.
    func failureText(_ code: Int32) -> String {
        let reason = MQTTError.reason(code)
        guard let logged = lastLoggedProblem, !logged.isEmpty, logged != reason else { return reason }
        return "\(reason) (\(logged))"
    }

    /// A log callback recovers its owner from the userdata, so each owner supplies its own.
    typealias LogCallback = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void

    /// While a log callback is set libmosquitto formats (and allocates) a line for every packet, so owners set
    /// one only while connecting, where the lines explain failures (OpenSSL's reason for refusing a
    /// certificate), and clear it (nil) once the broker has accepted the connection.
    func captureLog(_ callback: LogCallback?) {
        mosquitto_log_callback_set(pointer, callback)
    }

    /// Records libmosquitto's errors and warnings; called from the owner's log callback.
    func record(logLevel: Int32, _ text: UnsafePointer<CChar>?) {
        guard let text, logLevel & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0 else { return }
        lastLoggedProblem = String(cString: text)
    }

    /// See `configure()`: far above any broker's usual in-flight window, so it never throttles a QoS 1 stream.
    /// It also caps the QoS 2 messages libmosquitto keeps in memory until their PUBREL (QoS 1 messages are
    /// delivered as they arrive); the broker's own window, usually 20, is the tighter limit in practice.
    static let receiveMaximum: Int32 = 1000

    private func configure() throws {
        // "Threaded" here means only that libmosquitto queues outgoing packets instead of writing each at once;
        // one thread still makes every call, and its loop writes the queue when it chooses:
        // - MQTTClient: acknowledgements (PUBACK, PUBREC, PUBCOMP) leave only after the message callback has
        //   returned, so a reading is acknowledged to the broker only once the delegate has it (libmosquitto
        //   otherwise sends PUBACK before calling on_message);
        // - MQTTPublisher: PUBLISH packets go out back to back, so TCP coalesces them and the broker reads many
        //   per wake-up instead of one.
        try MQTTError.check(mosquitto_threaded_set(pointer, true), "cannot set up the MQTT client")
        let version = settings.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try MQTTError.check(
            mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)), "cannot select MQTT \(settings.protocolVersion.rawValue)")

        if let username = settings.username {
            try MQTTError.check(
                mosquitto_username_pw_set(pointer, username, settings.password), "cannot set the MQTT username")
        }
        if settings.useTLS { try configureTLS() }

        if settings.protocolVersion == .v5 {
            // The QoS 1/2 messages the broker may have in flight to us: announced in CONNECT, and libmosquitto
            // drops the connection with a protocol error when the broker sends more. mosquitto 2.0.11 (Debian 12's)
            // miscounts QoS 2 and does send more than the default of 20, so a fast QoS 2 stream never got through.
            // The broker's own max_inflight_messages (20 unless configured) still limits what it really sends.
            try MQTTError.check(
                mosquitto_int_option(pointer, MOSQ_OPT_RECEIVE_MAXIMUM, Self.receiveMaximum),
                "cannot set the MQTT 5 receive maximum")
        }
        if settings.protocolVersion == .v5 && settings.isPersistent {
            try MQTTError.check(
                mosquitto_property_add_int32(
                    &connectProperties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), settings.sessionExpiry),
                "cannot set the MQTT 5 session expiry interval")
        }
    }

    private func configureTLS() throws {
        for (what, path) in [("CA file", settings.caFile), ("certificate file", settings.certFile), ("key file", settings.keyFile)] {
            guard let path else { continue }
            guard access(path, R_OK) == 0 else {
                throw MQTTError("cannot read the MQTT TLS \(what) \(path): \(String(cString: strerror(errno)))")
            }
        }
        if settings.caFile == nil {
            try MQTTError.check(mosquitto_int_option(pointer, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "cannot use the system CA store")
        }
        if settings.caFile != nil || settings.certFile != nil {
            // libmosquitto wants a CA file or directory beside a client certificate; Debian's store stands in.
            try MQTTError.check(
                mosquitto_tls_set(
                    pointer, settings.caFile, settings.caFile == nil ? "/etc/ssl/certs" : nil, settings.certFile,
                    settings.keyFile, MosquittoHandle.refuseKeyPassphrase),
                "cannot set up TLS for \(settings.url)")
        }
        if settings.insecure {
            // SSL_VERIFY_NONE (0): no chain verification; tls_insecure_set: no host name check.
            try MQTTError.check(mosquitto_tls_opts_set(pointer, 0, nil, nil), "cannot turn off TLS verification")
            try MQTTError.check(mosquitto_tls_insecure_set(pointer, true), "cannot turn off TLS host name checks")
        }
    }

    /// OpenSSL would prompt on the terminal for an encrypted key's passphrase; a daemon must not wait for one.
    private static let refuseKeyPassphrase:
        @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in 0 }

    /// mosquitto_lib_init, once per process (a Swift static is initialised once, thread-safely). Never
    /// cleaned up: handles may live until the process exits.
    private static let libraryInitialized: Bool = mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue
}
