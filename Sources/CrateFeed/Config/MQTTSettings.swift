import Foundation

/// `[mqtt]`: the broker, the session and how cratefeed subscribes.
public struct MQTTSettings: Sendable, Equatable {
    public enum QoS: Int, Sendable, CaseIterable {
        case atMostOnce = 0
        case atLeastOnce = 1
        case exactlyOnce = 2
    }

    public enum ProtocolVersion: String, Sendable, CaseIterable {
        case v5 = "5"
        case v311 = "3.1.1"
    }

    /// As written; `host`, `port` and `usesTLS` are what it says.
    public var url = "mqtt://127.0.0.1:1883"
    /// Without IPv6 brackets, as libmosquitto wants it.
    public var host = "127.0.0.1"
    public var port = 1883
    /// `mqtts://`.
    public var usesTLS = false
    /// Each instance needs its own: a broker disconnects the older of two clients with one ID.
    public var clientID = "cratefeed"
    public var qos: QoS = .atLeastOnce
    /// false: the broker keeps the session (subscriptions and queued QoS 1/2 messages) across disconnects.
    public var cleanSession = false
    public var protocolVersion: ProtocolVersion = .v5
    /// Whole seconds, 5 to 65535.
    public var keepalive: Double = 30
    /// MQTT 5 session expiry interval: whole seconds the broker keeps the session while cratefeed is away.
    public var sessionExpiry: Double = 7 * 86400
    /// Reconnect backoff: starts at `reconnectMin` seconds, doubles, capped at `reconnectMax`.
    public var reconnectMin: Double = 1
    public var reconnectMax: Double = 60
    /// Subscribe as `$share/<group>/<filter>` so instances in one group split the stream.
    public var sharedGroup: String? = nil
    /// PEM CA bundle for `mqtts://`; nil = the system store.
    public var caFile: String? = nil
    public var certFile: String? = nil
    public var keyFile: String? = nil
    /// Skip certificate and host name verification (mqtts:// only).
    public var insecure = false
    public var username: String? = nil
    /// The file the password was read from (resolved through `$CREDENTIALS_DIRECTORY`).
    public var passwordFile: String? = nil
    public var password: Secret? = nil
    /// Larger messages are dead-lettered with their first bytes kept.
    public var maxMessageSize: Int64 = 16 << 20

    public init() {}

    /// MQTT's largest packet (the remaining-length field's maximum).
    static let largestPacket: Int64 = 268_435_455

    init(reading reader: ConfigTableReader, environment: [String: String]) {
        // TLS keys are checked against the scheme only when the url itself is sound.
        let urlIsSound: Bool
        if let url = reader.text("url") {
            urlIsSound = applyURL(url, reader)
        } else {
            urlIsSound = !reader.contains("url")
        }
        clientID = reader.text("client_id") ?? clientID
        if let qosValue = reader.value("qos") {
            if let number = qosValue.int, let level = QoS(rawValue: number) {
                qos = level
            } else {
                reader.report("qos", "\(reader.describe(qosValue)) is not 0, 1 or 2")
            }
        }
        cleanSession = reader.bool("clean_session") ?? cleanSession
        protocolVersion = reader.choice("protocol", listing: "\"5\" or \"3.1.1\"") ?? protocolVersion
        keepalive = reader.duration("keepalive", minimum: 5, maximum: 65535) ?? keepalive
        reader.require(keepalive.rounded() == keepalive, "keepalive", "must be whole seconds")
        sessionExpiry = reader.duration("session_expiry", maximum: 4_294_967_295, allowZero: true) ?? sessionExpiry
        reader.require(sessionExpiry.rounded() == sessionExpiry, "session_expiry", "must be whole seconds")
        reconnectMin = reader.duration("reconnect_min") ?? reconnectMin
        reconnectMax = reader.duration("reconnect_max") ?? reconnectMax
        reader.require(
            reconnectMax >= reconnectMin, "reconnect_max",
            "\(DurationText.format(reconnectMax)) is less than reconnect_min (\(DurationText.format(reconnectMin)))")

        sharedGroup = reader.text("shared_group")
        if let group = sharedGroup, group.contains(where: { "/+#".contains($0) }) {
            reader.report("shared_group", "\(ConfigTOMLWriter.quoted(group)) cannot contain /, + or #")
        }

        caFile = reader.text("ca_file")
        certFile = reader.text("cert_file")
        keyFile = reader.text("key_file")
        insecure = reader.bool("insecure") ?? insecure
        for (name, file) in [("ca_file", caFile), ("cert_file", certFile), ("key_file", keyFile)] {
            guard let file else { continue }
            reader.require(
                usesTLS || !urlIsSound, name, "needs an mqtts:// url; TLS is off for \(ConfigTOMLWriter.quoted(url))")
            reader.requireReadable(file, name)
        }
        reader.require(
            !insecure || usesTLS || !urlIsSound, "insecure",
            "needs an mqtts:// url; TLS is off for \(ConfigTOMLWriter.quoted(url))")
        reader.require(
            (certFile == nil) == (keyFile == nil), certFile == nil ? "key_file" : "cert_file",
            certFile == nil ? "needs cert_file as well" : "needs key_file as well")

        username = reader.text("username")
        reader.rejectPassword("password", fileKey: "password_file")
        if let name = reader.string("password_file") {
            reader.require(username != nil, "password_file", "needs \(reader.key("username")) as well")
            let loaded = SecretFile.load(
                name, key: reader.key("password_file"), environment: environment, problems: reader.problems)
            passwordFile = loaded?.path
            password = loaded?.secret
        }
        maxMessageSize = reader.size("max_message_size", maximum: Self.largestPacket) ?? maxMessageSize
        reader.reportUnknownKeys()
    }

    /// Takes the url apart, or reports why it cannot; returns whether it could.
    private mutating func applyURL(_ text: String, _ reader: ConfigTableReader) -> Bool {
        let problem = "\(ConfigTOMLWriter.quoted(text)) is not an mqtt:// or mqtts:// URL with a host (and port)"
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "mqtt" || scheme == "mqtts", let rawHost = components.host, !rawHost.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil
        else {
            reader.report("url", problem)
            return false
        }
        guard components.user == nil, components.password == nil else {
            reader.report("url", "must not hold credentials; set username and password_file instead")
            return false
        }
        let tls = scheme == "mqtts"
        let port = components.port ?? (tls ? 8883 : 1883)
        guard (1...65535).contains(port) else {
            reader.report("url", "port \(port) is not between 1 and 65535")
            return false
        }
        url = text
        usesTLS = tls
        self.port = port
        host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        return true
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("mqtt")
        writer.string("url", url)
        writer.string("client_id", clientID)
        writer.integer("qos", qos.rawValue)
        writer.bool("clean_session", cleanSession)
        writer.string("protocol", protocolVersion.rawValue)
        writer.duration("keepalive", keepalive)
        writer.duration("session_expiry", sessionExpiry)
        writer.duration("reconnect_min", reconnectMin)
        writer.duration("reconnect_max", reconnectMax)
        writer.string("shared_group", sharedGroup)
        writer.string("ca_file", caFile)
        writer.string("cert_file", certFile)
        writer.string("key_file", keyFile)
        writer.bool("insecure", insecure)
        writer.string("username", username)
        writer.string("password_file", passwordFile, comment: "password read, not shown")
        writer.size("max_message_size", maxMessageSize)
    }
}
