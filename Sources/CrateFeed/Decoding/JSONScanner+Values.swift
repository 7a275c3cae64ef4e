/// Reading strings, numbers and booleans out of a validated document.
extension JSONScanner {
    /// The bytes between a string's quotes, escapes left as written.
    public func rawContents(of string: JSONValue) -> UnsafeRawBufferPointer {
        let lower = min(string.range.lowerBound + 1, string.range.upperBound)
        let upper = max(lower, string.range.upperBound - 1)
        return UnsafeRawBufferPointer(rebasing: bytes[lower..<min(upper, bytes.count)])
    }

    /// True when the string has a backslash escape, so its raw contents differ from its value.
    public func hasEscapes(_ string: JSONValue) -> Bool {
        rawContents(of: string).contains(UInt8(ascii: "\\"))
    }

    /// Appends the string's value (escapes decoded) as UTF-8 to `output`.
    public func decodeString(_ string: JSONValue, into output: inout [UInt8]) {
        let raw = rawContents(of: string)
        var runStart = 0
        var index = 0
        while index < raw.count {
            guard raw[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[runStart..<index]))
            var escape = DecodedStringBytes(UnsafeRawBufferPointer(rebasing: raw[index...]))
            repeat {
                if let byte = escape.next() { output.append(byte) }
            } while escape.hasPending
            index += escape.consumed
            runStart = index
        }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[runStart..<raw.count]))
    }

    /// The string's value. Allocates; for names and messages, not per reading.
    public func string(_ value: JSONValue) -> String {
        let raw = rawContents(of: value)
        if !raw.contains(UInt8(ascii: "\\")) { return String(decoding: raw, as: UTF8.self) }
        var decoded: [UInt8] = []
        decodeString(value, into: &decoded)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// True when the string's value is exactly `text` (UTF-8). Allocates nothing.
    public func stringEquals(_ string: JSONValue, _ text: UnsafeRawBufferPointer) -> Bool {
        let raw = rawContents(of: string)
        if raw.count == text.count, raw.elementsEqual(text) { return true }
        guard raw.contains(UInt8(ascii: "\\")) else { return false }
        var decoder = DecodedStringBytes(raw)
        var index = 0
        while let byte = decoder.next() {
            guard index < text.count, text[index] == byte else { return false }
            index += 1
        }
        return index == text.count
    }

    public func double(_ value: JSONValue) -> Double? {
        guard value.kind == .number else { return nil }
        return DecimalLiteral.double(UnsafeRawBufferPointer(rebasing: bytes[value.range]))
    }

    public func int64(_ value: JSONValue) -> Int64? {
        guard value.kind == .number else { return nil }
        return DecimalLiteral.parse(UnsafeRawBufferPointer(rebasing: bytes[value.range]))?.exactInt64
    }

    public func bool(_ value: JSONValue) -> Bool? {
        guard value.kind == .bool else { return nil }
        return bytes[value.range.lowerBound] == UInt8(ascii: "t")
    }

    /// The bytes of any value as written.
    public func text(of value: JSONValue) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[value.range])
    }
}

/// The UTF-8 bytes of a JSON string's value, decoded from its raw (validated) contents one at a time.
struct DecodedStringBytes: IteratorProtocol {
    private let raw: UnsafeRawBufferPointer
    private var index = 0
    private var pending: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingCount = 0

    init(_ raw: UnsafeRawBufferPointer) {
        self.raw = raw
    }

    /// How many raw bytes have been read so far.
    var consumed: Int { index }
    /// True while a multi-byte character decoded from an escape still has bytes to hand out.
    var hasPending: Bool { pendingCount > 0 }

    mutating func next() -> UInt8? {
        if pendingCount > 0 {
            let byte = pending.0
            pending = (pending.1, pending.2, 0)
            pendingCount -= 1
            return byte
        }
        guard index < raw.count else { return nil }
        let byte = raw[index]
        guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
            index += 1
            return byte
        }
        let escaped = raw[index + 1]
        index += 2
        switch escaped {
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"): return decodeUnicodeEscape()
        default: return escaped  // `"`, `\` and `/` stand for themselves
        }
    }

    /// Decodes `XXXX` (and a following `\uXXXX` low surrogate) after a `\u`; returns the first UTF-8 byte.
    private mutating func decodeUnicodeEscape() -> UInt8 {
        var scalar = hex(at: index) ?? 0xFFFD
        index = min(index + 4, raw.count)
        if (0xD800...0xDBFF).contains(scalar), index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
            raw[index + 1] == UInt8(ascii: "u"), let low = hex(at: index + 2), (0xDC00...0xDFFF).contains(low)
        {
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            index += 6
        }
        if (0xD800...0xDFFF).contains(scalar) { scalar = 0xFFFD }  // unreachable for validated input
        switch scalar {
        case 0..<0x80:
            return UInt8(scalar)
        case 0x80..<0x800:
            pending = (UInt8(0x80 | scalar & 0x3F), 0, 0)
            pendingCount = 1
            return UInt8(0xC0 | scalar >> 6)
        case 0x800..<0x10000:
            pending = (UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F), 0)
            pendingCount = 2
            return UInt8(0xE0 | scalar >> 12)
        default:
            pending = (UInt8(0x80 | (scalar >> 12) & 0x3F), UInt8(0x80 | (scalar >> 6) & 0x3F), UInt8(0x80 | scalar & 0x3F))
            pendingCount = 3
            return UInt8(0xF0 | scalar >> 18)
        }
    }

    private func hex(at start: Int) -> UInt32? {
        guard start + 4 <= raw.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = raw[start + offset] | 0x20  // lowercases letters, leaves digits alone
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        return value
    }
}
