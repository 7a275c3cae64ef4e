import CrateDB

/// The deterministic `id` of a row, fixed by what was spooled: the same message always gives the same ids.
///
/// A message's digest covers its topic and payload; a row's id then adds the row's time and its index in the
/// message. The time is the payload's own timestamp when it has one, so a broker redelivery of the same
/// reading dedupes even though it arrives later; otherwise it is the time of receipt stored in the spool, which
/// a replay reads back unchanged. Inserts use ON CONFLICT DO NOTHING, so a resend never creates a second row.
struct ReadingID {
    private var hasher = SHA1()
    private var messageDigest: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0)

    /// Starts a message: hashes its topic and payload once, for all of its rows.
    mutating func beginMessage(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        hasher.reset()
        hasher.update(topic.bindMemory(to: UInt8.self))
        hasher.update(Self.separator)
        hasher.update(payload.bindMemory(to: UInt8.self))
        messageDigest = hasher.finalizeWords()
    }

    /// Writes the 32-hex-character id of one row of the current message, quoted, into `out`.
    mutating func writeQuotedID(time: Int64, rowIndex: Int, into out: inout [UInt8]) {
        // The message digest's 20 bytes, the time and the row index: 36 bytes, one SHA-1 block.
        let words = withUnsafeTemporaryAllocation(byteCount: 36, alignment: 8) { input in
            withUnsafeBytes(of: messageDigest) { input.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 20) }
            input.storeBytes(of: time.littleEndian, toByteOffset: 20, as: Int64.self)
            input.storeBytes(of: Int64(rowIndex).littleEndian, toByteOffset: 28, as: Int64.self)
            return SHA1.words(ofShort: UnsafeRawBufferPointer(input))
        }
        // 128 bits are plenty against collisions; 32 characters keep the primary key short. Formed on the stack
        // and appended at once: this runs for every row.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 34) { text in
            func put(_ word: UInt32, at offset: Int) {
                for nibble in 0..<8 {
                    let digit = UInt8(truncatingIfNeeded: word >> UInt32(28 - 4 * nibble)) & 0xF
                    text[offset + nibble] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
                }
            }
            text[0] = UInt8(ascii: "\"")
            put(words.0, at: 1)
            put(words.1, at: 9)
            put(words.2, at: 17)
            put(words.3, at: 25)
            text[33] = UInt8(ascii: "\"")
            out.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    private static let separator: [UInt8] = [0]
}
