@testable import CrateFeed
import Foundation
import Testing

@Suite struct FleetGeneratorTests {
    /// The next `count` messages as (topic, payload) strings.
    private func take(_ count: Int, from generator: FleetGenerator, at timestamp: Int64 = 1_767_225_600_123) -> [(String, String)] {
        (0..<count).map { _ in
            generator.next(at: timestamp) { topic, payload in
                (String(cString: topic), String(decoding: payload, as: UTF8.self))
            }
        }
    }

    @Test func devicesTakeTurnsWithTheirOwnSequence() throws {
        let generator = try FleetGenerator(devices: 3, seed: 7)
        let messages = take(7, from: generator)
        #expect(messages.map(\.0) == [
            "sensors/dev0001/env", "sensors/dev0002/env", "sensors/dev0003/env", "sensors/dev0001/env",
            "sensors/dev0002/env", "sensors/dev0003/env", "sensors/dev0001/env",
        ])
        let sequences = try messages.map { try jsonObject($0.1)["seq"] as? Int }
        #expect(sequences == [1, 1, 1, 2, 2, 2, 3])
        #expect(generator.deviceName(2) == "dev0003")
        #expect(try FleetGenerator(devices: 12345).deviceName(12344) == "dev12345")
    }

    @Test func jsonReadingsHaveTheDocumentedFieldsAndPlausibleValues() throws {
        let generator = try FleetGenerator(devices: 50, seed: 1)
        for (_, payload) in take(5000, from: generator) {
            let object = try jsonObject(payload)
            #expect(Set(object.keys) == ["ts", "seq", "temperature", "humidity", "battery", "status"])
            #expect(object["ts"] as? Int64 == 1_767_225_600_123)
            #expect((15.0...30.0).contains(object["temperature"] as? Double ?? -1), "\(payload)")
            #expect((0.0...100.0).contains(object["humidity"] as? Double ?? -1), "\(payload)")
            #expect((3.1...4.2).contains(object["battery"] as? Double ?? -1), "\(payload)")
            #expect(["ok", "low_battery"].contains(object["status"] as? String ?? ""), "\(payload)")
        }
    }

    @Test func valuesDriftSlowly() throws {
        let generator = try FleetGenerator(devices: 1, seed: 9)
        let temperatures = try take(1000, from: generator).map { try jsonObject($0.1)["temperature"] as? Double ?? 0 }
        let steps = zip(temperatures, temperatures.dropFirst()).map { abs($1 - $0) }
        #expect(steps.allSatisfy { $0 <= 0.2 })
        #expect(Set(temperatures).count > 10, "the values should move")
    }

    @Test func theSameSeedGivesTheSameFleet() throws {
        let first = take(300, from: try FleetGenerator(devices: 4, attachments: true, seed: 42)).map(\.1)
        let second = take(300, from: try FleetGenerator(devices: 4, attachments: true, seed: 42)).map(\.1)
        let other = take(300, from: try FleetGenerator(devices: 4, attachments: true, seed: 43)).map(\.1)
        #expect(first == second)
        #expect(first != other)
    }

    @Test func influxLinesAreLineProtocolInNanoseconds() throws {
        let generator = try FleetGenerator(devices: 2, format: .influx, seed: 5)
        let (topic, line) = take(1, from: generator)[0]
        #expect(topic == "sensors/dev0001/env")
        #expect(line.wholeMatch(of: #/env,device=dev0001 temperature=[0-9]+\.[0-9]{2},humidity=[0-9]+\.[0-9],battery=[0-9]\.[0-9]{2},seq=1i,status="ok" 1767225600123000000/#) != nil, "\(line)")
    }

    @Test func senmlRecordsCarryBaseNameAndBaseTime() throws {
        let generator = try FleetGenerator(devices: 1, format: .senml, topicPrefix: "plant/a", seed: 5)
        let (topic, text) = take(1, from: generator, at: 1_767_225_600_007)[0]
        #expect(topic == "plant/a/dev0001/env")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(records.count == 5)
        #expect(records[0]["bn"] as? String == "urn:dev:dev0001:")
        #expect(text.contains(#""bt":1767225600.007,"#), "\(text)")
        #expect(records.compactMap { $0["n"] as? String } == ["temperature", "humidity", "battery", "seq", "status"])
        #expect(records[0]["u"] as? String == "Cel")
        #expect(records[4]["vs"] as? String == "ok")
    }

    @Test func attachmentsAreOccasionalBase64JPEGs() throws {
        let generator = try FleetGenerator(devices: 10, attachments: true, seed: 3)
        let messages = take(5000, from: generator)
        let frames = messages.filter { $0.0.hasSuffix("/camera") }
        #expect((20...100).contains(frames.count), "\(frames.count) frames in 5000")
        var images = Set<Data>()
        for (topic, payload) in frames {
            #expect(topic.wholeMatch(of: #/sensors\/dev00(0[1-9]|10)\/camera/#) != nil)
            let object = try jsonObject(payload)
            #expect(Set(object.keys) == ["ts", "seq", "image"])
            let image = try #require(Data(base64Encoded: object["image"] as? String ?? ""))
            #expect(FleetGenerator.imageSizes.contains(image.count))
            #expect(image.prefix(10) == Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46]))
            #expect(image.suffix(2) == Data([0xFF, 0xD9]))
            images.insert(image)
        }
        #expect(images.count == frames.count, "every frame is a different blob")
    }

    @Test func badSettingsAreRefusedNamingTheOption() {
        #expect(throws: SimulationError.self) { try FleetGenerator(devices: 0) }
        #expect(throws: SimulationError.self) { try FleetGenerator(devices: 1, topicPrefix: "a/+") }
        #expect(throws: SimulationError.self) { try FleetGenerator(devices: 1, topicPrefix: "") }
    }

    private func jsonObject(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }
}
