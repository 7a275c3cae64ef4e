import CrateFeed
import Foundation
import IntegrationSupport
import Testing

/// `cratefeed simulate` against a real broker, checked by a subscriber.
@Suite struct SimulateCommandTests {
    @Test(arguments: ["json", "influx", "senml"])
    func publishesExactlyCountReadingsOfTheFormat(format: String) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let (client, delegate) = try MQTTTesting.startClient(MQTTTesting.settings(broker, subscriptions: ["sensors/#"]))
        defer { client.stop() }

        let run = try CratefeedRun.run([
            "simulate", "--url", broker.url, "--devices", "7", "--count", "140", "--rate", "0", "--qos", "1",
            "--format", format, "--seed", "3",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("published 140 messages"), "\(run.stderr)")
        #expect(run.stderr.contains("140 acknowledged"), "\(run.stderr)")

        #expect(delegate.wait { $0.messages.count >= 140 })
        let messages = delegate.snapshot.messages
        #expect(messages.count == 140)
        var sequences: [String: [Int]] = [:]
        for message in messages {
            let levels = message.topic.split(separator: "/").map(String.init)
            #expect(levels.count == 3 && levels[0] == "sensors" && levels[2] == "env", "\(message.topic)")
            let device = levels[1]
            #expect(device.range(of: #"^dev000[1-7]$"#, options: .regularExpression) != nil, "\(device)")
            let reading = try Reading(message.text, format: format, device: device)
            #expect((15.0...30.0).contains(reading.temperature), "\(message.text)")
            #expect((0.0...100.0).contains(reading.humidity), "\(message.text)")
            #expect((3.0...4.3).contains(reading.battery), "\(message.text)")
            #expect(["ok", "low_battery"].contains(reading.status), "\(message.text)")
            #expect(abs(Double(reading.milliseconds) / 1000 - Date().timeIntervalSince1970) < 600, "\(message.text)")
            sequences[device, default: []].append(reading.seq)
        }
        #expect(sequences.count == 7)
        #expect(sequences.values.allSatisfy { $0.sorted() == Array(1...20) })
    }

    @Test func attachmentsAreBase64CameraFrames() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let (client, delegate) = try MQTTTesting.startClient(MQTTTesting.settings(broker, subscriptions: ["sensors/#"]))
        defer { client.stop() }

        let run = try CratefeedRun.run([
            "simulate", "--url", broker.url, "--devices", "5", "--count", "600", "--rate", "0", "--attachments",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(delegate.wait { $0.messages.count >= 600 })
        let frames = delegate.snapshot.messages.filter { $0.topic.hasSuffix("/camera") }
        #expect(!frames.isEmpty && frames.count < 60, "\(frames.count) camera frames in 600 messages")
        for frame in frames {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any])
            #expect(object["ts"] is NSNumber && object["seq"] is NSNumber)
            let image = try #require(Data(base64Encoded: object["image"] as? String ?? ""))
            #expect(image.count >= 512 && image.count <= 4096)
            #expect(image.prefix(4) == Data([0xFF, 0xD8, 0xFF, 0xE0]) && image.suffix(2) == Data([0xFF, 0xD9]))
        }
    }

    @Test func holdsTheRequestedRate() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let run = try CratefeedRun.run(["simulate", "--url", broker.url, "--devices", "3", "--count", "100", "--rate", "200"])
        #expect(run.status == 0, "\(run.stderr)")
        // 100 messages at 200/s cannot take less than half a second (the last one is due at 0.495 s).
        let seconds = run.stderr.firstMatch(of: #/in ([0-9.]+) s/#).flatMap { Double($0.1) } ?? 0
        #expect(seconds >= 0.45, "\(run.stderr)")
    }

    @Test func anUnreachableBrokerIsOneLineAndStatus2() throws {
        let port = try FreePort.next()
        let run = try CratefeedRun.run(
            ["simulate", "--url", "mqtt://127.0.0.1:\(port)", "--count", "1", "--connect-timeout", "1"])
        #expect(run.status == 2)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.last?.contains("cannot connect to mqtt://127.0.0.1:\(port)") == true, "\(run.stderr)")
        let badURL = try CratefeedRun.run(["simulate", "--url", "http://x", "--count", "1"])
        #expect(badURL.status == 2 && badURL.stderr.contains("http://x"), "\(badURL.stderr)")
    }
}

/// One simulated reading, read back from any of the three formats.
private struct Reading {
    var milliseconds: Int64 = 0
    var seq = 0
    var temperature = 0.0
    var humidity = 0.0
    var battery = 0.0
    var status = ""

    init(_ text: String, format: String, device: String) throws {
        switch format {
        case "json":
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["ts", "seq", "temperature", "humidity", "battery", "status"])
            milliseconds = (object["ts"] as? NSNumber)?.int64Value ?? 0
            seq = (object["seq"] as? NSNumber)?.intValue ?? 0
            temperature = (object["temperature"] as? NSNumber)?.doubleValue ?? 0
            humidity = (object["humidity"] as? NSNumber)?.doubleValue ?? 0
            battery = (object["battery"] as? NSNumber)?.doubleValue ?? 0
            status = object["status"] as? String ?? ""
        case "influx":
            let match = try #require(
                text.wholeMatch(
                    of: #/env,device=(\w+) temperature=(-?[0-9.]+),humidity=([0-9.]+),battery=([0-9.]+),seq=([0-9]+)i,status="(\w+)" ([0-9]+)/#
                ), "\(text)")
            #expect(String(match.1) == device)
            temperature = Double(match.2) ?? 0
            humidity = Double(match.3) ?? 0
            battery = Double(match.4) ?? 0
            seq = Int(match.5) ?? 0
            status = String(match.6)
            milliseconds = (Int64(match.7) ?? 0) / 1_000_000
        default:
            let records = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
            #expect(records.first?["bn"] as? String == "urn:dev:\(device):")
            milliseconds = Int64((((records.first?["bt"] as? NSNumber)?.doubleValue ?? 0) * 1000).rounded())
            for record in records {
                let value = (record["v"] as? NSNumber)?.doubleValue ?? 0
                switch record["n"] as? String {
                case "temperature": temperature = value
                case "humidity": humidity = value
                case "battery": battery = value
                case "seq": seq = Int(value)
                case "status": status = record["vs"] as? String ?? ""
                default: Issue.record("unexpected SenML record \(record)")
                }
            }
        }
    }
}
