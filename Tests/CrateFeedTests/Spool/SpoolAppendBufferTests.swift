import Foundation
import Testing
@testable import CrateFeed

@Suite struct SpoolAppendBufferTests {
    /// Bursts of varied sizes, written together, read back exactly as single appends would have written them,
    /// with rotations falling inside bursts.
    @Test func burstsReadBackInOrderAcrossRotations() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 2048))
        let messages = (0..<2000).map(TestMessage.numbered)
        var buffer = SpoolAppendBuffer()
        var next = 0
        var burstSize = 1
        while next < messages.count {
            for message in messages[next..<min(next + burstSize, messages.count)] { try buffer.add(message) }
            next += burstSize
            burstSize = burstSize % 23 + 1
            try spool.append(&buffer)
            #expect(buffer.isEmpty)
        }
        #expect(try spool.makeReader().readAll().map(\.message) == messages)
        #expect(directory.segmentFiles().count > 50)
        let recordBytes = messages.reduce(0) { $0 + encodedRecord($1).count }
        #expect(spool.backlog.bytes == Int64(recordBytes))
        #expect(spool.backlog.records == messages.count)
        try spool.close()

        // The files are what single appends write: a restart replays every record.
        let reopened = try Spool(configuration: directory.configuration(segmentSize: 2048))
        #expect(try reopened.makeReader().readAll().map(\.message) == messages)
        try reopened.close()
    }

    @Test func aRecordBiggerThanASegmentStillGoesInAlone() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 1024))
        let big = TestMessage(topic: "t/big", payload: Array(repeating: 7, count: 3000), receivedAt: 1, qos: 1)
        let small = TestMessage.numbered(1)
        var buffer = SpoolAppendBuffer()
        try buffer.add(small)
        try buffer.add(big)
        try buffer.add(small)
        try spool.append(&buffer)
        #expect(try spool.makeReader().readAll().map(\.message) == [small, big, small])
        try spool.close()
    }

    @Test func acceptsUpToItsLimitAndRefusesBadRecords() throws {
        var buffer = SpoolAppendBuffer(limit: 1000)
        #expect(buffer.accepts(topicLength: 10, payloadLength: 900))
        #expect(!buffer.accepts(topicLength: 10, payloadLength: 1000))
        try buffer.add(TestMessage(topic: "t", payload: Array(repeating: 1, count: 900), receivedAt: 1, qos: 0))
        #expect(!buffer.accepts(topicLength: 10, payloadLength: 100))
        #expect(!buffer.accepts(topicLength: 70_000, payloadLength: 0))
        #expect(throws: SpoolError.self) {
            try buffer.add(TestMessage(topic: "t", payload: [], receivedAt: 1, qos: 3))
        }
        #expect(buffer.count == 1)
    }

    @Test func aClosedSpoolRefusesTheBufferAndEmptiesIt() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration())
        try spool.close()
        var buffer = SpoolAppendBuffer()
        try buffer.add(.numbered(1))
        #expect(throws: SpoolError.self) { try spool.append(&buffer) }
        #expect(buffer.isEmpty)
    }
}

extension SpoolAppendBuffer {
    mutating func add(_ message: TestMessage) throws {
        try Array(message.topic.utf8).withUnsafeBytes { topic in
            try message.payload.withUnsafeBytes { payload in
                try add(topic: topic, payload: payload, receivedAt: message.receivedAt, qos: message.qos)
            }
        }
    }
}
