/// Base64 as JSON payloads carry it: the standard (`+/`) or URL-safe (`-_`) alphabet, padding optional, line
/// breaks (CR, LF) ignored as MIME encoders insert them.
enum Base64Decoding {
    /// Why `text` is not base64, or nil when it is.
    static func problem(in text: UnsafeRawBufferPointer) -> String? {
        var symbols = 0
        var padding = 0
        for (offset, byte) in text.enumerated() {
            if byte == 0x0A || byte == 0x0D { continue }
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0 else { return "data after '=' padding at character \(offset)" }
            guard sextet(byte) != nil else { return "invalid character at \(offset)" }
            symbols += 1
        }
        if symbols % 4 == 1 { return "wrong length (\(symbols) characters cannot encode whole bytes)" }
        if padding > 0, (symbols + padding) % 4 != 0 || padding > 2 { return "wrong padding" }
        return nil
    }

    /// The decoded bytes of `text`, which `problem(in:)` accepted.
    static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text {
            guard let value = sextet(byte) else { continue }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }

    @inline(__always)
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
