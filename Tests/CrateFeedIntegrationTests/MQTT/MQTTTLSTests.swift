import IntegrationSupport
import CrateFeed
import Foundation
import Testing

/// MQTTClient over TLS with a CA the test makes: verification on by default, off only when asked.
@Suite struct MQTTTLSTests {
    @Test func verifiesTheBrokerAgainstTheConfiguredCA() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let broker = try BrokerProcess(.init(tls: certificates))
        defer { broker.remove() }

        var settings = MQTTTesting.settings(broker)
        settings.useTLS = true
        settings.caFile = certificates.caCert
        let (client, delegate) = try MQTTTesting.startClient(settings)
        defer { client.stop() }

        var publisher = MQTTClientSettings(host: broker.host, port: broker.port, useTLS: true, clientID: "tls-pub")
        publisher.caFile = certificates.caCert
        let sender = try MQTTPublisher(settings: publisher)
        try sender.connect(timeout: 10)
        try sender.publish(topic: "t/secure", payload: Array("sealed".utf8), qos: 1)
        try sender.flush(timeout: 10)
        sender.disconnect()
        #expect(delegate.wait { $0.messages.map(\.text) == ["sealed"] })
    }

    @Test func aBrokerCertificateFromAnotherCAIsRefused() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let broker = try BrokerProcess(.init(tls: certificates))
        defer { broker.remove() }

        var settings = MQTTTesting.settings(broker)
        settings.useTLS = true
        settings.caFile = certificates.otherCACert
        let client = try MQTTClient(settings: settings, stateDirectory: nil)
        let delegate = RecordingDelegate()
        client.delegate = delegate
        try client.start()
        defer { client.stop() }
        #expect(delegate.wait { $0.disconnects.count >= 2 })
        let reports = delegate.snapshot
        #expect(reports.connects == 0)
        #expect(reports.disconnects[0].contains("mqtts://127.0.0.1:\(broker.port)"), "\(reports.disconnects[0])")
        #expect(reports.disconnects[0].contains("TLS") || reports.disconnects[0].contains("certificate"), "\(reports.disconnects[0])")

        // The same broker is accepted only when verification is explicitly turned off.
        settings.caFile = nil
        settings.insecure = true
        settings.clientID += "-insecure"
        let (insecure, _) = try MQTTTesting.startClient(settings)
        insecure.stop()
    }

    @Test func presentsAClientCertificateWhenTheBrokerRequiresOne() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let broker = try BrokerProcess(.init(tls: certificates, requireClientCertificate: true))
        defer { broker.remove() }

        var settings = MQTTTesting.settings(broker)
        settings.useTLS = true
        settings.caFile = certificates.caCert
        settings.certFile = certificates.clientCert
        settings.keyFile = certificates.clientKey
        let (client, _) = try MQTTTesting.startClient(settings)
        client.stop()

        // Without one the broker ends the handshake.
        settings.certFile = nil
        settings.keyFile = nil
        settings.clientID += "-anonymous"
        let anonymous = try MQTTClient(settings: settings, stateDirectory: nil)
        let delegate = RecordingDelegate()
        anonymous.delegate = delegate
        try anonymous.start()
        defer { anonymous.stop() }
        #expect(delegate.wait { $0.disconnects.count >= 2 })
        #expect(delegate.snapshot.connects == 0)
    }
}
