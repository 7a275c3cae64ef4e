import Testing
@testable import CrateFeed

@Suite struct SpoolRecordFormatTests {
    private let message = TestMessage(topic: "plant/7/boiler", payload: Array(#"{"t":21.5}"#.utf8),
                                      receivedAt: 1_767_225_600_123_456, qos: 1)

    private func parse(_ bytes: [UInt8]) -> SpoolRecordFormat.ParseResult {
        bytes.withUnsafeBytes { SpoolRecordFormat.parse($0) }
    }

    @Test func roundTrip() {
        let bytes = encodedRecord(message) + [0xAA, 0xBB]  // what follows is not part of the record
        bytes.withUnsafeBytes { buffer in
            guard case .record(let record) = SpoolRecordFormat.parse(buffer) else {
                Issue.record("not parsed")
                return
            }
            #expect(record.length == bytes.count - 2)
            #expect(record.length == SpoolRecordFormat.recordLength(topicLength: 14, payloadLength: 10))
            #expect(String(decoding: record.topic, as: UTF8.self) == message.topic)
            #expect(Array(record.payload) == message.payload)
            #expect(record.receivedAt == message.receivedAt)
            #expect(record.qos == 1)
        }
    }

    @Test func layoutIsTheDocumentedOne() {
        let bytes = encodedRecord(TestMessage(topic: "a", payload: [9], receivedAt: 2, qos: 2))
        #expect(Array(bytes[0..<4]) == [0xF5, 0x43, 0x46, 0x52])
        #expect(Array(bytes[4..<8]) == [13, 0, 0, 0])  // 11 + topic + payload
        #expect(Array(bytes[12..<20]) == [2, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[20...]) == [2, 1, 0, UInt8(ascii: "a"), 9])
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[12...])) }
        #expect(Array(bytes[8..<12]) == [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: checksum >> $0) })
    }

    @Test func everyPrefixNeedsMoreData() {
        let bytes = encodedRecord(message)
        for count in 0..<bytes.count {
            guard case .needMoreData(let needed) = parse(Array(bytes[..<count])) else {
                Issue.record("prefix of \(count) bytes was not 'need more data'")
                continue
            }
            #expect(needed > count && needed <= bytes.count)
        }
    }

    @Test func everyFlippedByteIsCaught() {
        let bytes = encodedRecord(message)
        for index in bytes.indices {
            for bit in [0x01, 0x80] as [UInt8] {
                var damaged = bytes
                damaged[index] ^= bit
                switch parse(damaged) {
                case .record: Issue.record("flipping bit \(bit) of byte \(index) went unnoticed")
                case .corrupt: break
                case .needMoreData(let needed): #expect(needed > damaged.count)  // a length grew
                }
            }
        }
    }

    @Test func lengthFieldsAreBounded() {
        var bytes = encodedRecord(message)
        bytes.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0xFF])
        guard case .corrupt(let reason) = parse(bytes) else {
            Issue.record("a 4 GiB length was accepted")
            return
        }
        #expect(reason.contains("out of range"))

        bytes = encodedRecord(message)
        bytes.replaceSubrange(4..<8, with: [3, 0, 0, 0])  // shorter than the fixed body
        guard case .corrupt = parse(bytes) else {
            Issue.record("a body shorter than its fixed fields was accepted")
            return
        }

        bytes = encodedRecord(message)
        bytes.replaceSubrange(21..<23, with: [0xFF, 0x00])  // topic longer than the body
        guard case .corrupt(let topicReason) = parse(bytes) else {
            Issue.record("a topic past the body was accepted")
            return
        }
        #expect(topicReason == "topic length beyond record")

        // The largest legal record asks for its length and no more.
        bytes = encodedRecord(message)
        let largest = UInt32(SpoolRecordFormat.maxBodyLength)
        bytes.replaceSubrange(4..<8, with: [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: largest >> $0) })
        guard case .needMoreData(let needed) = parse(bytes) else {
            Issue.record("the largest record was rejected")
            return
        }
        #expect(needed == SpoolRecordFormat.maxRecordLength)
    }

    @Test func garbageIsRejectedAtTheFirstByte() {
        guard case .corrupt(let reason) = parse([0x00]) else {
            Issue.record("a zero byte was taken for a record start")
            return
        }
        #expect(reason == "bad record magic")
        guard case .needMoreData = parse([0xF5, 0x43]) else {
            Issue.record("a magic prefix was rejected")
            return
        }
    }

    @Test func limitsOnEncoding() {
        #expect(SpoolRecordFormat.recordLength(topicLength: 65_535, payloadLength: 256 << 20) != nil)
        #expect(SpoolRecordFormat.recordLength(topicLength: 65_536, payloadLength: 0) == nil)
        #expect(SpoolRecordFormat.recordLength(topicLength: 0, payloadLength: (256 << 20) + 1) == nil)
    }

    @Test func segmentHeader() {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { SpoolRecordFormat.encodeSegmentHeader(into: $0, recordCount: 42) }
        #expect(Array(bytes[0..<6]) == [0xF5, 0x43, 0x46, 0x53, 1, 0])
        let header = bytes.withUnsafeBytes { SpoolRecordFormat.parseSegmentHeader($0) }
        #expect(header == SpoolRecordFormat.SegmentHeader(version: 1, recordCount: 42))
        #expect(bytes.withUnsafeBytes { SpoolRecordFormat.parseSegmentHeader(UnsafeRawBufferPointer(rebasing: $0[0..<15])) } == nil)
        bytes[0] = 0
        #expect(bytes.withUnsafeBytes { SpoolRecordFormat.parseSegmentHeader($0) } == nil)
    }

    @Test func segmentFileNames() {
        #expect(SpoolRecordFormat.segmentFileName(7) == "segment-00000000000000000007.spool")
        #expect(SpoolRecordFormat.segmentFileName(UInt64.max) == "segment-18446744073709551615.spool")
        #expect(SpoolRecordFormat.segmentID(fileName: "segment-00000000000000000007.spool") == 7)
        #expect(SpoolRecordFormat.segmentID(fileName: "segment-0000000000000000007.spool") == nil)
        #expect(SpoolRecordFormat.segmentID(fileName: "segment-0000000000000000000x.spool") == nil)
        #expect(SpoolRecordFormat.segmentID(fileName: "segment-99999999999999999999.spool") == nil)  // > UInt64.max
        #expect(SpoolRecordFormat.segmentID(fileName: "checkpoint") == nil)
    }

    @Test func checkpointEncoding() {
        let position = SpoolPosition(segment: 0x0102_0304_0506_0708, offset: 4096)
        let bytes = SpoolCheckpoint.encode(position)
        #expect(bytes.count == SpoolCheckpoint.size)
        #expect(SpoolCheckpoint.decode(bytes) == position)
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x10
            #expect(SpoolCheckpoint.decode(damaged) == nil, "flipped byte \(index)")
        }
        #expect(SpoolCheckpoint.decode(Array(bytes.dropLast())) == nil)
    }

    @Test func positionsOrderBySegmentThenOffset() {
        #expect(SpoolPosition(segment: 1, offset: 900) < SpoolPosition(segment: 2, offset: 16))
        #expect(SpoolPosition(segment: 2, offset: 16) < SpoolPosition(segment: 2, offset: 17))
        #expect(SpoolPosition.start < SpoolPosition(segment: 1, offset: 0))
    }
}
