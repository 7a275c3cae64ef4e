// fuzz-sources: Sources/CrateFeed/Spool/SpoolRecordFormat.swift Sources/CrateFeed/Spool/CRC32C.swift Sources/CrateFeed/Spool/SpoolSegmentCursor.swift
//
// Spool record parsing under libFuzzer: the input is parsed as one record, then walked as a segment file (from
// offset 16 when it starts with a segment header) the way the reader and the open-time scan walk one, through two
// buffer sizes. Beyond "no crash, no hang, no unbounded allocation" it checks:
// - a parsed record lies inside the input, and "need more data" asks for more than there is, within the maximum;
// - the walk covers the input exactly: each record or damaged region starts where the previous one ended;
// - the walk is the same through a tiny buffer and a large one (buffering never changes what is read).
// Seeds: Fuzz/corpus/SpoolRecord (valid segments, a torn tail, flipped bytes, garbage between records).

private struct InputSource: SpoolSegmentSource {
    let bytes: UnsafeRawBufferPointer

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0, offset < Int64(bytes.count) else { return 0 }
        let count = min(buffer.count, bytes.count - Int(offset))
        buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<(Int(offset) + count)]))
        return count
    }
}

private enum Item: Equatable {
    case record(offset: Int64, length: Int, receivedAt: Int64, qos: UInt8, topic: [UInt8], payload: [UInt8])
    case damage(offset: Int64, length: Int, reason: String, kept: Int, isTail: Bool)
}

private func walk(_ input: UnsafeRawBufferPointer, from start: Int64, bufferCapacity: Int) -> [Item] {
    let cursor = SpoolSegmentCursor(source: InputSource(bytes: input), offset: start, bufferCapacity: bufferCapacity)
    var items: [Item] = []
    var expected = start
    while true {
        let event: SpoolSegmentCursor.Event
        do {
            event = try cursor.next(limit: Int64(input.count), damageAtEndIsTorn: true)
        } catch {
            fatalError("a memory source never throws: \(error)")
        }
        switch event {
        case .record(let record, let offset):
            precondition(offset == expected && record.length >= SpoolRecordFormat.prefixSize)
            precondition(record.topic.count + record.payload.count + SpoolRecordFormat.prefixSize == record.length)
            items.append(.record(offset: offset, length: record.length, receivedAt: record.receivedAt, qos: record.qos,
                                 topic: Array(record.topic), payload: Array(record.payload)))
            expected += Int64(record.length)
        case .damage(let damage):
            precondition(damage.offset == expected && damage.length > 0)
            precondition(damage.bytes.count == min(damage.length, SpoolSegmentCursor.damageBytesKept))
            precondition(damage.bytes.elementsEqual(input[Int(damage.offset)..<(Int(damage.offset) + damage.bytes.count)]))
            precondition(!damage.isTail || damage.offset + Int64(damage.length) == Int64(input.count))
            items.append(.damage(offset: damage.offset, length: damage.length, reason: damage.reason,
                                 kept: damage.bytes.count, isTail: damage.isTail))
            expected += Int64(damage.length)
        case .end:
            precondition(expected == Int64(input.count))
            return items
        }
        precondition(cursor.offset == expected)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func spoolRecordFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)

    switch SpoolRecordFormat.parse(input) {
    case .record(let record):
        precondition(record.length <= size && record.length <= SpoolRecordFormat.maxRecordLength)
        precondition(record.topic.baseAddress! >= input.baseAddress! && record.payload.baseAddress! + record.payload.count <= input.baseAddress! + size)
        precondition(record.qos <= 2)
    case .needMoreData(let needed):
        precondition(needed > size && needed <= SpoolRecordFormat.maxRecordLength)
    case .corrupt(let reason):
        precondition(!reason.isEmpty && !reason.contains("\n"))
    }

    let start: Int64 = SpoolRecordFormat.parseSegmentHeader(input) != nil ? Int64(SpoolRecordFormat.segmentHeaderSize) : 0
    let small = walk(input, from: start, bufferCapacity: 1)  // the cursor rounds up to its minimum
    let large = walk(input, from: start, bufferCapacity: 1 << 16)
    precondition(small == large, "the walk depends on the buffer size")
    return 0
}
