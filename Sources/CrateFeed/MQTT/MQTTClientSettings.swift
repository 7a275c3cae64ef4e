import CMosquitto
import Foundation

public enum MQTTProtocolVersion: String, Sendable, CaseIterable {
    case v311 = "3.1.1"
    case v5 = "5"
}

/// How an `MQTTClient` (or `MQTTPublisher`) reaches the broker and what it subscribes to.
///
/// Named apart from the configuration's `MQTTSettings` (the `[mqtt]` section): the daemon maps that section,
/// plus the routes' filters, onto this.
public struct MQTTClientSettings: Sendable {
    public var host: String
    public var port: Int
    public var useTLS: Bool
    /// PEM CA bundle; nil with TLS means the system store.
    public var caFile: String?
    /// Client certificate and key (PEM, unencrypted), both or neither.
    public var certFile: String?
    public var keyFile: String?
    /// Skip certificate chain and host name verification. Only when explicitly asked for.
    public var insecure = false
    public var username: String?
    public var password: String?
    public var clientID: String
    public var protocolVersion: MQTTProtocolVersion = .v5
    /// false keeps a persistent session: the broker holds subscriptions and queues QoS 1/2 messages while
    /// the client is away (paused, restarting, or the network is down).
    public var cleanSession = false
    /// MQTT 5 session expiry interval in seconds. MQTT 5 ends a session at disconnect unless this is set,
    /// so a persistent session needs it; ignored for 3.1.1 and clean sessions.
    public var sessionExpiry: UInt32 = 7 * 24 * 3600
    /// Seconds, 5 to 65535.
    public var keepalive = 30
    /// Reconnect backoff in seconds: doubles from `reconnectMin` up to `reconnectMax`.
    public var reconnectMin: Double = 1
    public var reconnectMax: Double = 60
    /// The QoS every filter is subscribed with (0, 1 or 2).
    public var qos: Int32 = 1
    /// MQTT filters, already prefixed with `$share/<group>/` when shared.
    public var subscriptions: [String] = []

    public init(host: String = "127.0.0.1", port: Int = 1883, useTLS: Bool = false, clientID: String) {
        self.host = host
        self.port = port
        self.useTLS = useTLS
        self.clientID = clientID
    }

    /// From `mqtt://host[:port]` or `mqtts://host[:port]` (ports 1883 and 8883 by default; IPv6 in brackets).
    public init(url: String, clientID: String) throws {
        let problem = "\"\(url)\" is not an mqtt:// or mqtts:// URL with a host and an optional port"
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "mqtt" || scheme == "mqtts", let rawHost = components.host, !rawHost.isEmpty,
            components.path.isEmpty || components.path == "/", components.query == nil,
            components.user == nil, components.password == nil
        else { throw MQTTError(problem) }
        let tls = scheme == "mqtts"
        let port = components.port ?? (tls ? 8883 : 1883)
        guard (1...65535).contains(port) else { throw MQTTError("\"\(url)\": port \(port) is not between 1 and 65535") }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        self.init(host: host, port: port, useTLS: tls, clientID: clientID)
    }

    /// The broker as a URL, for messages.
    public var url: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(useTLS ? "mqtts" : "mqtt")://\(shownHost):\(port)"
    }

    /// Whether the broker keeps this client's session across disconnects.
    var isPersistent: Bool {
        !cleanSession && (protocolVersion == .v311 || sessionExpiry > 0)
    }

    /// Throws the first setting libmosquitto would refuse, named.
    public func validate() throws {
        guard !host.isEmpty else { throw MQTTError("the MQTT broker host is empty") }
        guard (1...65535).contains(port) else { throw MQTTError("MQTT port \(port) is not between 1 and 65535") }
        guard (5...65535).contains(keepalive) else {
            throw MQTTError("MQTT keepalive \(keepalive) s is not between 5 and 65535 seconds")
        }
        guard (0...2).contains(qos) else { throw MQTTError("MQTT QoS \(qos) is not 0, 1 or 2") }
        guard reconnectMin > 0, reconnectMax >= reconnectMin else {
            throw MQTTError("MQTT reconnect backoff \(reconnectMin) s to \(reconnectMax) s is not a positive range")
        }
        guard !clientID.isEmpty || cleanSession else {
            throw MQTTError("a persistent MQTT session (clean_session = false) needs a client ID")
        }
        guard clientID.utf8.count <= 65535 else { throw MQTTError("the MQTT client ID is longer than 65535 bytes") }
        guard (certFile == nil) == (keyFile == nil) else {
            throw MQTTError("an MQTT client certificate needs both a certificate file and a key file")
        }
        if !useTLS, caFile != nil || certFile != nil || insecure {
            throw MQTTError("TLS settings for \(url) need an mqtts:// URL")
        }
        for filter in subscriptions {
            guard mosquitto_sub_topic_check(filter) == MOSQ_ERR_SUCCESS.rawValue, !filter.utf8.contains(0) else {
                throw MQTTError("\"\(filter)\" is not a valid MQTT topic filter")
            }
            // The filters are remembered one per line (MQTTSubscriptionMemory).
            guard !filter.contains(where: \.isNewline) else {
                throw MQTTError("the MQTT topic filter \"\(filter)\" contains a line break")
            }
        }
    }
}
