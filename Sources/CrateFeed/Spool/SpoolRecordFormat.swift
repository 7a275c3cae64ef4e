// The spool's on-disk format, version 1. Every integer is little-endian.
//
// Directory ([spool] dir, mode 0700):
//   lock                        flock(2)ed by the cratefeed using the spool; holds its pid for the error message
//   checkpoint                  where the released records end (see SpoolCheckpoint): magic F5 43 46 43,
//                               version u16 = 1, reserved u16 = 0, segment u64, offset u64, CRC-32C of those 24
//                               bytes u32; replaced atomically (checkpoint.tmp, fsync, rename)
//   segment-<20 digits>.spool   segments, numbered in append order; a new one per start and per rotation
//
// Segment file:
//   header, 16 bytes   magic F5 43 46 53, format version u16 = 1, reserved u16 = 0,
//                      record count u64: written when the segment is sealed, all ones while it is appended to
//   records            back to back from offset 16
//
// Record:
//   header, 12 bytes   magic F5 43 46 52, body length u32, CRC-32C of the body u32
//   body               receivedAt i64 (microseconds since 1970, UTC), qos u8, topic length u16,
//                      topic bytes, payload bytes
//
// Records are appended whole, one or several per write(2), so a killed process leaves whole records plus at most
// one torn one at the end of the newest segment. The magics start with 0xF5, a byte that never occurs in UTF-8
// text, so text payloads cannot hold a false magic for the resynchronising scan after a damaged record.

/// Encoding and total parsing of spool records and segment headers. Depends on nothing but CRC32C, so the fuzz
/// harness builds it alone.
enum SpoolRecordFormat {
    static let version: UInt16 = 1

    static let segmentHeaderSize = 16
    static let recordHeaderSize = 12
    /// receivedAt, qos, topic length.
    static let fixedBodySize = 11
    /// Record header and fixed body: what `encodePrefix` writes before the topic and payload.
    static let prefixSize = recordHeaderSize + fixedBodySize

    static let maxTopicLength = Int(UInt16.max)
    /// mosquitto's own default message size limit.
    static let maxPayloadLength = 256 << 20
    static let maxBodyLength = fixedBodySize + maxTopicLength + maxPayloadLength
    static let maxRecordLength = recordHeaderSize + maxBodyLength

    /// The record count of a segment that has not been sealed yet.
    static let unsealedRecordCount = UInt64.max

    static let recordMagic: (UInt8, UInt8, UInt8, UInt8) = (0xF5, 0x43, 0x46, 0x52)
    static let segmentMagic: (UInt8, UInt8, UInt8, UInt8) = (0xF5, 0x43, 0x46, 0x53)
    static let recordMagicFirstByte: UInt8 = 0xF5

    /// A parsed record; `topic` and `payload` point into the parsed buffer.
    struct Record {
        /// Header and body: the distance to the next record.
        let length: Int
        let receivedAt: Int64
        let qos: UInt8
        let topic: UnsafeRawBufferPointer
        let payload: UnsafeRawBufferPointer
    }

    enum ParseResult {
        case record(Record)
        /// The bytes so far are a plausible start; a decision needs this many bytes from the record start.
        /// Always more than the buffer held.
        case needMoreData(Int)
        /// Not a record; the reason is one line for a BadRecord.
        case corrupt(String)
    }

    /// The record at the start of `bytes`. Total: any bytes give an answer without trapping or allocating, and a
    /// length field can never ask for more than `maxRecordLength` bytes.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ParseResult {
        // The magic is checked on whatever is there, so garbage is rejected without waiting for more bytes.
        for index in 0..<min(bytes.count, 4) where bytes[index] != magicByte(recordMagic, index) {
            return .corrupt("bad record magic")
        }
        guard bytes.count >= recordHeaderSize else { return .needMoreData(recordHeaderSize) }
        let bodyLength = Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        guard bodyLength >= fixedBodySize, bodyLength <= maxBodyLength else {
            return .corrupt("record length \(bodyLength) out of range")
        }
        let length = recordHeaderSize + bodyLength
        let topicLength: Int
        if bytes.count >= prefixSize {
            // Cheap checks before the checksum, so a false candidate is dropped before its body is read.
            guard bytes[recordHeaderSize + 8] <= 2 else { return .corrupt("invalid qos \(bytes[recordHeaderSize + 8])") }
            topicLength = Int(bytes.loadUnaligned(fromByteOffset: recordHeaderSize + 9, as: UInt16.self).littleEndian)
            guard fixedBodySize + topicLength <= bodyLength else { return .corrupt("topic length beyond record") }
        } else {
            return .needMoreData(length)
        }
        guard bytes.count >= length else { return .needMoreData(length) }

        let body = UnsafeRawBufferPointer(rebasing: bytes[recordHeaderSize..<length])
        let storedChecksum = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard CRC32C.checksum(body) == storedChecksum else { return .corrupt("checksum mismatch") }

        let topicStart = prefixSize
        let payloadStart = topicStart + topicLength
        return .record(Record(
            length: length,
            receivedAt: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: recordHeaderSize, as: Int64.self)),
            qos: bytes[recordHeaderSize + 8],
            topic: UnsafeRawBufferPointer(rebasing: bytes[topicStart..<payloadStart]),
            payload: UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<length])
        ))
    }

    /// The total length of a record, or nil when the topic or payload is over the limit.
    static func recordLength(topicLength: Int, payloadLength: Int) -> Int? {
        guard topicLength <= maxTopicLength, payloadLength <= maxPayloadLength else { return nil }
        return prefixSize + topicLength + payloadLength
    }

    /// Writes the record header and fixed body (`prefixSize` bytes) for this topic and payload, checksum
    /// included; the record on disk is this prefix, the topic, then the payload. The caller has checked the
    /// lengths with `recordLength`.
    static func encodePrefix(into prefix: UnsafeMutableRawBufferPointer, receivedAt: Int64, qos: UInt8,
                             topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        precondition(prefix.count >= prefixSize)
        storeMagic(recordMagic, into: prefix)
        prefix.storeBytes(of: UInt32(fixedBodySize + topic.count + payload.count).littleEndian, toByteOffset: 4,
                          as: UInt32.self)
        prefix.storeBytes(of: receivedAt.littleEndian, toByteOffset: recordHeaderSize, as: Int64.self)
        prefix.storeBytes(of: qos, toByteOffset: recordHeaderSize + 8, as: UInt8.self)
        prefix.storeBytes(of: UInt16(topic.count).littleEndian, toByteOffset: recordHeaderSize + 9, as: UInt16.self)
        var checksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: prefix[recordHeaderSize..<prefixSize]))
        checksum = CRC32C.checksum(topic, continuing: checksum)
        checksum = CRC32C.checksum(payload, continuing: checksum)
        prefix.storeBytes(of: checksum.littleEndian, toByteOffset: 8, as: UInt32.self)
    }

    // MARK: Segment header

    struct SegmentHeader: Equatable {
        let version: UInt16
        /// `unsealedRecordCount` while the segment is appended to.
        let recordCount: UInt64
    }

    static func encodeSegmentHeader(into header: UnsafeMutableRawBufferPointer, recordCount: UInt64) {
        precondition(header.count >= segmentHeaderSize)
        storeMagic(segmentMagic, into: header)
        header.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt16.self)
        header.storeBytes(of: UInt16(0), toByteOffset: 6, as: UInt16.self)
        header.storeBytes(of: recordCount.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// The segment header at the start of `bytes`, or nil when there is none (too short or a wrong magic).
    static func parseSegmentHeader(_ bytes: UnsafeRawBufferPointer) -> SegmentHeader? {
        guard bytes.count >= segmentHeaderSize else { return nil }
        for index in 0..<4 where bytes[index] != magicByte(segmentMagic, index) { return nil }
        return SegmentHeader(
            version: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)),
            recordCount: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        )
    }

    // MARK: Helpers

    static func magicByte(_ magic: (UInt8, UInt8, UInt8, UInt8), _ index: Int) -> UInt8 {
        switch index {
        case 0: return magic.0
        case 1: return magic.1
        case 2: return magic.2
        default: return magic.3
        }
    }

    private static func storeMagic(_ magic: (UInt8, UInt8, UInt8, UInt8), into bytes: UnsafeMutableRawBufferPointer) {
        bytes[0] = magic.0
        bytes[1] = magic.1
        bytes[2] = magic.2
        bytes[3] = magic.3
    }
}

// MARK: File names

extension SpoolRecordFormat {
    /// `segment-<id, 20 digits>.spool`: the digits sort like the numbers.
    static func segmentFileName(_ id: UInt64) -> String {
        let digits = String(id)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".spool"
    }

    /// The segment number in a segment file name, or nil for any other name.
    static func segmentID(fileName: String) -> UInt64? {
        let utf8 = Array(fileName.utf8)
        let prefix = Array("segment-".utf8)
        let suffix = Array(".spool".utf8)
        guard utf8.count == prefix.count + 20 + suffix.count, utf8.starts(with: prefix),
              Array(utf8.suffix(suffix.count)) == suffix else { return nil }
        let digits = utf8[prefix.count..<(prefix.count + 20)]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }
}
