/// Where a segment cursor reads bytes from: the segment file (SpoolSegmentFile), or memory in the fuzz harness.
protocol SpoolSegmentSource {
    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the data, 0 past it.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
}

/// A damaged region of a segment, skipped as a whole: from a record that failed to parse up to the next record
/// whose header and checksum check out (or the end of the readable bytes).
struct SpoolSegmentDamage {
    let offset: Int64
    let length: Int
    let reason: String
    /// The first `SpoolSegmentCursor.damageBytesKept` bytes of the region, for the dead-letter row.
    let bytes: [UInt8]
    /// No whole record follows up to the limit: in the newest segment on open, a torn tail to cut off.
    let isTail: Bool
}

/// Reads one segment front to back through a fixed buffer: whole records, and damaged regions skipped over.
///
/// The buffer holds one read's worth of records (1 MiB); it grows only to fit a larger record and shrinks back
/// afterwards, so reading a backlog of any size takes the same memory. Records returned point into the buffer and
/// stay valid until the next call.
final class SpoolSegmentCursor {
    enum Event {
        case record(SpoolRecordFormat.Record, offset: Int64)
        case damage(SpoolSegmentDamage)
        /// The cursor reached the limit.
        case end
    }

    static let damageBytesKept = 4096
    /// How many record bytes a resynchronisation may checksum while trying candidates before it gives up and
    /// counts the rest of the segment as damaged. Real damage finds the next record at the first candidate; the
    /// budget only stops a payload crafted full of fake record headers from stalling the reader.
    static let resynchronisationBudget = 1 << 30
    private static let scanChunk = 64 << 10

    private let source: SpoolSegmentSource
    private let defaultCapacity: Int
    private var buffer: UnsafeMutableRawBufferPointer
    /// The source offset of buffer[0], and how many bytes from there the buffer holds.
    private var bufferOffset: Int64
    private var bufferCount = 0
    /// Where the source ended when it returned fewer bytes than were there by the limit (a truncated file).
    private var sourceEnd = Int64.max

    /// The offset of the next record to parse.
    private(set) var offset: Int64

    init(source: SpoolSegmentSource, offset: Int64, bufferCapacity: Int = 1 << 20) {
        self.source = source
        self.offset = offset
        self.bufferOffset = offset
        self.defaultCapacity = max(bufferCapacity, SpoolRecordFormat.prefixSize)
        self.buffer = .allocate(byteCount: defaultCapacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// The next record or damaged region in [offset, limit), or `.end` at the limit.
    ///
    /// - Parameters:
    ///   - limit: where whole records end: the segment's size, or the published end of the segment being
    ///     appended to (bytes past it may be half written and are never read).
    ///   - damageAtEndIsTorn: a damaged region running to the limit is a torn tail (the newest segment on open).
    func next(limit: Int64, damageAtEndIsTorn: Bool = false) throws -> Event {
        guard offset < min(limit, sourceEnd) else { return .end }
        let start = offset
        switch try parseRecord(at: start, limit: limit) {
        case .record(let record):
            offset = start + Int64(record.length)
            return .record(record, offset: start)
        case .failure(let reason, _):
            return .damage(try resynchronise(from: start, reason: reason, limit: limit, damageAtEndIsTorn: damageAtEndIsTorn))
        }
    }

    // MARK: Parsing

    private enum Attempt {
        case record(SpoolRecordFormat.Record)
        /// `examined`: the bytes the decision needed (the whole record for a checksum), charged to the
        /// resynchronisation budget.
        case failure(String, examined: Int)
    }

    private func parseRecord(at position: Int64, limit: Int64) throws -> Attempt {
        var wanted = SpoolRecordFormat.prefixSize
        while true {
            let available = try window(at: position, wanting: wanted, limit: limit)
            switch SpoolRecordFormat.parse(available) {
            case .record(let record):
                return .record(record)
            case .corrupt(let reason):
                return .failure(reason, examined: min(wanted, available.count))
            case .needMoreData(let needed):
                // The window holds all it can get when it is shorter than asked: the record runs past the end.
                guard available.count >= wanted, Int64(needed) <= limit - position else {
                    return .failure("record extends past end of segment", examined: min(wanted, available.count))
                }
                wanted = needed
            }
        }
    }

    /// Skips from a record that failed to parse to the next one that parses (header, lengths and checksum), or to
    /// the limit. Everything skipped is one damaged region.
    private func resynchronise(from start: Int64, reason: String, limit: Int64,
                               damageAtEndIsTorn: Bool) throws -> SpoolSegmentDamage {
        // Keep the region's first bytes now: the scan below moves the buffer on.
        let kept = Array(try window(at: start, wanting: Self.damageBytesKept, limit: limit).prefix(Self.damageBytesKept))
        var budget = Self.resynchronisationBudget
        var candidate = start + 1
        var nextRecord: Int64?
        var gaveUp = false
        scan: while candidate < min(limit, sourceEnd) {
            let view = try window(at: candidate, wanting: Self.scanChunk, limit: limit)
            guard let index = Self.firstRecordMagic(in: view) else {
                if candidate + Int64(view.count) >= min(limit, sourceEnd) { break scan }
                candidate += Int64(max(1, view.count - 3))  // a magic may straddle the window's end
                continue
            }
            let magicOffset = candidate + Int64(index)
            switch try parseRecord(at: magicOffset, limit: limit) {
            case .record:
                nextRecord = magicOffset
                break scan
            case .failure(_, let examined):
                budget -= examined
                if budget <= 0 {
                    gaveUp = true
                    break scan
                }
                candidate = magicOffset + 1
            }
        }
        let end = nextRecord ?? min(limit, sourceEnd)
        offset = end
        // A tail: the scan reached the end without finding a record (not merely without looking further).
        let isTail = nextRecord == nil && !gaveUp
        var why = reason
        if isTail && damageAtEndIsTorn {
            why = "torn record at end of segment"
        } else if gaveUp {
            why += "; no record found within the resynchronisation budget, rest of segment skipped"
        }
        let length = Int(end - start)
        return SpoolSegmentDamage(offset: start, length: length, reason: why, bytes: Array(kept.prefix(length)),
                                  isTail: isTail)
    }

    private static func firstRecordMagic(in bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        while index + 4 <= bytes.count {
            guard let found = bytes[index...].firstIndex(of: SpoolRecordFormat.recordMagicFirstByte),
                  found + 4 <= bytes.count else { return nil }
            if bytes[found + 1] == SpoolRecordFormat.recordMagic.1, bytes[found + 2] == SpoolRecordFormat.recordMagic.2,
               bytes[found + 3] == SpoolRecordFormat.recordMagic.3 {
                return found
            }
            index = found + 1
        }
        return nil
    }

    // MARK: Buffering

    /// The bytes from `position` on: at least `wanted` of them, or all up to the limit (fewer only where the
    /// source ends early). Never reads past the limit.
    private func window(at position: Int64, wanting wanted: Int, limit: Int64) throws -> UnsafeRawBufferPointer {
        let end = min(limit, sourceEnd)
        guard position < end else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let wanted = Int(min(Int64(wanted), end - position))
        if position < bufferOffset || position > bufferOffset + Int64(bufferCount) {
            bufferOffset = position
            bufferCount = 0
        }
        var skip = Int(position - bufferOffset)
        if bufferCount - skip < wanted {
            makeRoom(keepingFrom: skip, wanted: wanted)
            skip = 0
            while bufferCount < wanted {
                let readEnd = Int(min(Int64(buffer.count), end - bufferOffset))
                let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[bufferCount..<readEnd]),
                                            at: bufferOffset + Int64(bufferCount))
                if count <= 0 {
                    sourceEnd = bufferOffset + Int64(bufferCount)
                    break
                }
                bufferCount += count
            }
        }
        let available = min(bufferCount - skip, Int(min(limit, sourceEnd) - position))
        return UnsafeRawBufferPointer(rebasing: buffer[skip..<(skip + available)])
    }

    /// Moves the buffered bytes from `skip` on to the front, in a buffer of at least `wanted` bytes: larger for a
    /// large record, back to the default size once records are small again.
    private func makeRoom(keepingFrom skip: Int, wanted: Int) {
        let capacity = max(defaultCapacity, wanted)
        let kept = min(bufferCount - skip, capacity)  // bytes that no longer fit are read again later
        if capacity != buffer.count {
            let resized = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
            if kept > 0 { resized.baseAddress!.copyMemory(from: buffer.baseAddress! + skip, byteCount: kept) }
            buffer.deallocate()
            buffer = resized
        } else if skip > 0 && kept > 0 {
            buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + skip, byteCount: kept)  // memmove
        }
        bufferOffset += Int64(skip)
        bufferCount = kept
    }
}
