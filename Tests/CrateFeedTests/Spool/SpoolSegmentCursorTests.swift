import Testing
@testable import CrateFeed

@Suite struct SpoolSegmentCursorTests {
    private enum Item: Equatable {
        case record(offset: Int64, TestMessage)
        case damage(offset: Int64, length: Int, reason: String)
    }

    /// Everything the cursor finds in `bytes`, through a buffer of `capacity` bytes.
    private func walk(_ bytes: [UInt8], limit: Int64? = nil, capacity: Int = 1 << 20, torn: Bool = false,
                      damageBytes: ((SpoolSegmentDamage) -> Void)? = nil) throws -> [Item] {
        let cursor = SpoolSegmentCursor(source: MemorySegmentSource(bytes: bytes), offset: 0, bufferCapacity: capacity)
        var items: [Item] = []
        while true {
            switch try cursor.next(limit: limit ?? Int64(bytes.count), damageAtEndIsTorn: torn) {
            case .record(let record, let offset):
                items.append(.record(offset: offset, TestMessage(
                    topic: String(decoding: record.topic, as: UTF8.self), payload: Array(record.payload),
                    receivedAt: record.receivedAt, qos: record.qos)))
            case .damage(let damage):
                damageBytes?(damage)
                items.append(.damage(offset: damage.offset, length: damage.length, reason: damage.reason))
            case .end:
                return items
            }
        }
    }

    private func stream(_ messages: [TestMessage]) -> (bytes: [UInt8], offsets: [Int64]) {
        var bytes: [UInt8] = []
        var offsets: [Int64] = []
        for message in messages {
            offsets.append(Int64(bytes.count))
            bytes += encodedRecord(message)
        }
        return (bytes, offsets)
    }

    @Test(arguments: [23, 64, 1000, 1 << 20])
    func wholeRecordsThroughAnyBufferSize(capacity: Int) throws {
        let messages = (0..<200).map(TestMessage.numbered)
        let (bytes, offsets) = stream(messages)
        let items = try walk(bytes, capacity: capacity)
        #expect(items == zip(offsets, messages).map { .record(offset: $0, $1) })
    }

    @Test func aLargeRecordGrowsTheBufferAndItShrinksBack() throws {
        let large = TestMessage(topic: "frames/cam1", payload: (0..<300_000).map { UInt8(truncatingIfNeeded: $0) },
                                receivedAt: 5, qos: 1)
        let messages = [TestMessage.numbered(1), large, TestMessage.numbered(2), TestMessage.numbered(3)]
        let (bytes, offsets) = stream(messages)
        #expect(try walk(bytes, capacity: 4096) == zip(offsets, messages).map { .record(offset: $0, $1) })
    }

    @Test func garbageBetweenRecordsIsOneDamagePerRegion() throws {
        var generator = SeededGenerator(state: 42)
        var bytes: [UInt8] = []
        var expected: [Item] = []
        for n in 0..<300 {
            if n % 7 == 3 {
                let garbage = (0..<Int.random(in: 1...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                guard case .corrupt(let reason) = garbage.withUnsafeBytes({ SpoolRecordFormat.parse($0) }) else {
                    continue  // could look like the start of a record; keep the expectation exact
                }
                expected.append(.damage(offset: Int64(bytes.count), length: garbage.count, reason: reason))
                bytes += garbage
            }
            expected.append(.record(offset: Int64(bytes.count), .numbered(n)))
            bytes += encodedRecord(.numbered(n))
        }
        #expect(try walk(bytes, capacity: 512) == expected)
    }

    @Test func aFlippedByteSkipsExactlyThatRecord() throws {
        let messages = (0..<5).map(TestMessage.numbered)
        var (bytes, offsets) = stream(messages)
        bytes[Int(offsets[2]) + 30] ^= 0x04  // inside the third record's body
        let items = try walk(bytes)
        #expect(items == [
            .record(offset: offsets[0], messages[0]), .record(offset: offsets[1], messages[1]),
            .damage(offset: offsets[2], length: Int(offsets[3] - offsets[2]), reason: "checksum mismatch"),
            .record(offset: offsets[3], messages[3]), .record(offset: offsets[4], messages[4]),
        ])
    }

    @Test func aDamagedLengthFieldDoesNotHideTheRecordsAfterIt() throws {
        let messages = (0..<4).map(TestMessage.numbered)
        var (bytes, offsets) = stream(messages)
        bytes[Int(offsets[1]) + 6] = 0x7F  // body length now ~8 MiB: past the end of the segment
        let items = try walk(bytes)
        #expect(items == [
            .record(offset: offsets[0], messages[0]),
            .damage(offset: offsets[1], length: Int(offsets[2] - offsets[1]), reason: "record extends past end of segment"),
            .record(offset: offsets[2], messages[2]), .record(offset: offsets[3], messages[3]),
        ])
    }

    @Test func aTornTailIsOneDamageToTheEnd() throws {
        let messages = (0..<3).map(TestMessage.numbered)
        let (bytes, offsets) = stream(messages)
        for cut in (Int(offsets[2]) + 1)..<bytes.count {
            let items = try walk(Array(bytes[..<cut]), torn: true)
            #expect(items == [
                .record(offset: offsets[0], messages[0]), .record(offset: offsets[1], messages[1]),
                .damage(offset: offsets[2], length: cut - Int(offsets[2]), reason: "torn record at end of segment"),
            ])
        }
    }

    @Test func damageKeepsAtMostFourKiB() throws {
        let garbage = [UInt8](repeating: 0x00, count: 10_000)
        let bytes = garbage + encodedRecord(.numbered(1))
        var kept: [UInt8]?
        let items = try walk(bytes, capacity: 1000) { kept = $0.bytes }
        #expect(items == [.damage(offset: 0, length: 10_000, reason: "bad record magic"),
                          .record(offset: 10_000, .numbered(1))])
        #expect(kept == [UInt8](repeating: 0, count: 4096))
    }

    @Test func aRecordShapedPayloadIsJustPayload() throws {
        let inner = encodedRecord(TestMessage(topic: "forged/topic", payload: [1, 2, 3], receivedAt: 9, qos: 0))
        let outer = TestMessage(topic: "real/topic", payload: inner + inner, receivedAt: 10, qos: 1)
        let (bytes, offsets) = stream([outer, .numbered(1)])
        #expect(try walk(bytes) == [.record(offset: offsets[0], outer), .record(offset: offsets[1], .numbered(1))])
    }

    @Test func readsNothingPastTheLimit() throws {
        let messages = (0..<3).map(TestMessage.numbered)
        let (bytes, offsets) = stream(messages)
        // The limit sits where the third record starts: the bytes after it may be half written.
        let items = try walk(bytes, limit: offsets[2])
        #expect(items == [.record(offset: offsets[0], messages[0]), .record(offset: offsets[1], messages[1])])
    }

    @Test func aSourceShorterThanTheLimitEnds() throws {
        let (bytes, offsets) = stream([.numbered(1), .numbered(2)])
        let cut = Array(bytes[..<(Int(offsets[1]) + 5)])
        let items = try walk(cut, limit: Int64(bytes.count))
        #expect(items == [.record(offset: 0, .numbered(1)),
                          .damage(offset: offsets[1], length: 5, reason: "record extends past end of segment")])
    }
}
