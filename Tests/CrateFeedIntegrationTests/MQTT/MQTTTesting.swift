import CrateFeed
import Foundation
import IntegrationSupport

/// Helpers shared by the MQTT client tests.
enum MQTTTesting {
    /// Settings for a test client of `broker`: a unique client ID unless given, quick reconnects.
    static func settings(
        _ broker: BrokerProcess, id: String = "test-\(UUID().uuidString.prefix(8))", version: MQTTProtocolVersion = .v5,
        subscriptions: [String] = ["t/#"], qos: Int32 = 1
    ) -> MQTTClientSettings {
        var settings = MQTTClientSettings(host: broker.host, port: broker.port, clientID: id)
        settings.protocolVersion = version
        settings.subscriptions = subscriptions
        settings.qos = qos
        settings.reconnectMin = 0.1
        settings.reconnectMax = 0.5
        return settings
    }

    /// Starts a client with a recording delegate and waits until it is subscribed.
    static func startClient(
        _ settings: MQTTClientSettings, stateDirectory: String? = nil, delegate: RecordingDelegate = RecordingDelegate()
    ) throws -> (MQTTClient, RecordingDelegate) {
        let client = try MQTTClient(settings: settings, stateDirectory: stateDirectory)
        let connectsBefore = delegate.snapshot.connects
        client.delegate = delegate
        try client.start()
        guard delegate.wait(until: { $0.connects > connectsBefore }) else {
            client.stop()
            throw TestSupportError("the client did not connect: \(delegate.snapshot.disconnects.suffix(3))")
        }
        return (client, delegate)
    }

    /// Publishes `payloads` to `topic` and returns once the broker has them (acknowledged, or written at QoS 0).
    static func publish(
        _ broker: BrokerProcess, topic: String, _ payloads: [String], qos: Int32 = 1, retain: Bool = false,
        version: MQTTProtocolVersion = .v5
    ) throws {
        var settings = MQTTClientSettings(host: broker.host, port: broker.port, clientID: "pub-\(UUID().uuidString.prefix(8))")
        settings.protocolVersion = version
        settings.cleanSession = true
        let publisher = try MQTTPublisher(settings: settings)
        try publisher.connect(timeout: 10)
        defer { publisher.disconnect() }
        for payload in payloads {
            try publisher.publish(topic: topic, payload: Array(payload.utf8), qos: qos, retain: retain)
        }
        try publisher.flush(timeout: 30)
    }
}
