@testable import CrateFeed
import Foundation
import Testing

@Suite struct MQTTSubscriptionMemoryTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "cratefeed-subs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func savesAndLoadsFilters() throws {
        let path = try directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let memory = MQTTSubscriptionMemory(directory: path)
        #expect(try memory.load() == [])
        try memory.save(["sensors/+/env", "$share/g/plant/#"])
        #expect(try memory.load() == ["sensors/+/env", "$share/g/plant/#"])
        #expect(try String(contentsOfFile: path + "/subscriptions", encoding: .utf8) == "sensors/+/env\n$share/g/plant/#\n")
        try memory.save([])
        #expect(try memory.load() == [])
        #expect(!FileManager.default.fileExists(atPath: path + "/subscriptions.tmp"))
    }

    @Test func linesThatAreNotFiltersAreLeftOut() throws {
        let path = try directory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "a/#\nbroken/#/x\n\nb/+\n".write(toFile: path + "/subscriptions", atomically: true, encoding: .utf8)
        #expect(try MQTTSubscriptionMemory(directory: path).load() == ["a/#", "b/+"])
    }

    @Test func anUnwritableDirectoryIsAnErrorNamingTheFile() throws {
        let memory = MQTTSubscriptionMemory(directory: "/nonexistent/state")
        #expect(throws: MQTTSubscriptionMemory.FileError.self) { try memory.save(["a"]) }
        do {
            try memory.save(["a"])
        } catch {
            #expect("\(error)".contains("/nonexistent/state/subscriptions"))
        }
    }

    @Test func staleFiltersAreTheRememberedOnesNoLongerConfigured() {
        #expect(MQTTSubscriptionMemory.stale(remembered: ["a/#", "b/#", "b/#", "c"], configured: ["a/#", "c"]) == ["b/#"])
        #expect(MQTTSubscriptionMemory.stale(remembered: [], configured: ["a/#"]) == [])
    }
}
