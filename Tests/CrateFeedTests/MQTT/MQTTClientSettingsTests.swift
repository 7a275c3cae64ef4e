@testable import CrateFeed
import Foundation
import Testing

@Suite struct MQTTClientSettingsTests {
    @Test func urlsGiveHostPortAndTLS() throws {
        let plain = try MQTTClientSettings(url: "mqtt://broker.local", clientID: "a")
        #expect(plain.host == "broker.local" && plain.port == 1883 && !plain.useTLS)
        let tls = try MQTTClientSettings(url: "mqtts://10.0.0.5", clientID: "a")
        #expect(tls.port == 8883 && tls.useTLS)
        let v6 = try MQTTClientSettings(url: "MQTT://[::1]:1884/", clientID: "a")
        #expect(v6.host == "::1" && v6.port == 1884)
        #expect(v6.url == "mqtt://[::1]:1884")
    }

    @Test(arguments: ["http://x", "mqtt://", "mqtt://h:0", "mqtt://h:99999", "mqtt://u:p@h", "mqtt://h/path", "h:1883"])
    func badURLsAreRefusedNamingTheURL(url: String) {
        do {
            _ = try MQTTClientSettings(url: url, clientID: "a")
            Issue.record("\(url) was accepted")
        } catch {
            #expect("\(error)".contains(url), "\(error)")
        }
    }

    @Test func validationNamesTheProblem() {
        func problem(_ change: (inout MQTTClientSettings) -> Void) -> String {
            var settings = MQTTClientSettings(clientID: "a")
            settings.subscriptions = ["sensors/#"]
            change(&settings)
            do {
                try settings.validate()
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problem { _ in } == "")
        #expect(problem { $0.qos = 3 }.contains("QoS 3"))
        #expect(problem { $0.keepalive = 2 }.contains("keepalive"))
        #expect(problem { $0.subscriptions = ["a/#/b"] }.contains("a/#/b"))
        #expect(problem { $0.subscriptions = ["a/\nb"] }.contains("line break"))
        #expect(problem { $0.clientID = "" }.contains("client ID"))
        #expect(problem { $0.clientID = ""; $0.cleanSession = true } == "")
        #expect(problem { $0.certFile = "/c.pem"; $0.useTLS = true }.contains("key file"))
        #expect(problem { $0.caFile = "/ca.pem" }.contains("mqtts://"))
        #expect(problem { $0.reconnectMax = 0.5 }.contains("backoff"))
    }

    @Test func persistenceFollowsCleanSessionAndExpiry() {
        var settings = MQTTClientSettings(clientID: "a")
        #expect(settings.isPersistent)
        settings.sessionExpiry = 0
        #expect(!settings.isPersistent)
        settings.protocolVersion = .v311
        #expect(settings.isPersistent)
        settings.cleanSession = true
        #expect(!settings.isPersistent)
    }
}
