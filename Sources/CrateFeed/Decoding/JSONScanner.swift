/// A validating scanner over JSON text (RFC 8259) in UTF-8, for the hot path: it checks a document without
/// allocating and then finds values in it as byte ranges, so an object can go into a row as it arrived instead
/// of being parsed and re-encoded.
///
/// Stricter than the RFC's "SHOULD"s where CrateDB is: invalid UTF-8 and unpaired surrogate escapes
/// (`"\ud800"`) are refused. Duplicate keys are not looked for. Nesting is bounded by `maxDepth` (clamped to
/// 1...1024), which also bounds the recursion of the validator.
///
/// Validate first (`validate()`), then navigate (`JSONScanner+Navigation.swift`): the navigation functions
/// assume a validated document and only guarantee not to read outside `bytes` otherwise.
public struct JSONScanner {
    public let bytes: UnsafeRawBufferPointer
    public let maxDepth: Int

    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) {
        self.bytes = bytes
        self.maxDepth = min(max(maxDepth, 1), 1024)
    }

    /// Checks that the bytes are exactly one JSON value, optionally surrounded by whitespace, and returns it.
    public func validate() throws -> JSONValue {
        let start = skipWhitespace(from: 0)
        let value = try validateValue(at: start, depth: 0)
        let end = skipWhitespace(from: value.range.upperBound)
        guard end == bytes.count else { throw failure(at: end, "unexpected data after the JSON value") }
        return value
    }

    // MARK: - Validation

    func failure(at offset: Int, _ problem: String) -> JSONScanError {
        JSONScanError(offset: offset, problem: offset >= bytes.count ? problem + ", found the end of the payload" : problem)
    }

    @inline(__always)
    func skipWhitespace(from start: Int) -> Int {
        var index = start
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return index
            }
        }
        return index
    }

    private func validateValue(at index: Int, depth: Int) throws -> JSONValue {
        guard index < bytes.count else { throw failure(at: index, "expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            return JSONValue(kind: .object, range: index..<(try validateObject(at: index, depth: depth + 1)))
        case UInt8(ascii: "["):
            return JSONValue(kind: .array, range: index..<(try validateArray(at: index, depth: depth + 1)))
        case UInt8(ascii: "\""):
            return JSONValue(kind: .string, range: index..<(try validateString(at: index)))
        case UInt8(ascii: "t"):
            return JSONValue(kind: .bool, range: index..<(try validateLiteral("true", at: index)))
        case UInt8(ascii: "f"):
            return JSONValue(kind: .bool, range: index..<(try validateLiteral("false", at: index)))
        case UInt8(ascii: "n"):
            return JSONValue(kind: .null, range: index..<(try validateLiteral("null", at: index)))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(kind: .number, range: index..<(try validateNumber(at: index)))
        default:
            throw failure(at: index, "expected a value")
        }
    }

    private func validateObject(at start: Int, depth: Int) throws -> Int {
        guard depth <= maxDepth else { throw failure(at: start, "nested deeper than \(maxDepth) levels") }
        var index = skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return index + 1 }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(at: index, "expected a string key")
            }
            index = skipWhitespace(from: try validateString(at: index))
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure(at: index, "expected ':'") }
            index = skipWhitespace(from: index + 1)
            index = skipWhitespace(from: try validateValue(at: index, depth: depth).range.upperBound)
            guard index < bytes.count else { throw failure(at: index, "expected ',' or '}'") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = skipWhitespace(from: index + 1)
            case UInt8(ascii: "}"): return index + 1
            default: throw failure(at: index, "expected ',' or '}'")
            }
        }
    }

    private func validateArray(at start: Int, depth: Int) throws -> Int {
        guard depth <= maxDepth else { throw failure(at: start, "nested deeper than \(maxDepth) levels") }
        var index = skipWhitespace(from: start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return index + 1 }
        while true {
            index = skipWhitespace(from: try validateValue(at: index, depth: depth).range.upperBound)
            guard index < bytes.count else { throw failure(at: index, "expected ',' or ']'") }
            switch bytes[index] {
            case UInt8(ascii: ","): index = skipWhitespace(from: index + 1)
            case UInt8(ascii: "]"): return index + 1
            default: throw failure(at: index, "expected ',' or ']'")
            }
        }
    }

    /// Validates the string whose opening quote is at `start`; returns the offset after its closing quote.
    private func validateString(at start: Int) throws -> Int {
        var index = start + 1
        let count = bytes.count
        while index < count {
            // Eight bytes at a time (SWAR): skip to the first byte that needs a look.
            if index + 8 <= count {
                let special = Self.specialBytes(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                if special == 0 {
                    index += 8
                    continue
                }
                index += special.trailingZeroBitCount >> 3
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { return index + 1 }
            if byte == UInt8(ascii: "\\") {
                index = try validateEscape(at: index)
            } else if byte < 0x20 {
                throw failure(at: index, "control character in a string (escape it)")
            } else if byte < 0x80 {
                index += 1
            } else {
                guard let length = UTF8Validation.sequenceLength(bytes, at: index) else {
                    throw failure(at: index, "invalid UTF-8")
                }
                index += length
            }
        }
        throw JSONScanError(offset: start, problem: "unterminated string")
    }

    /// Flags (high bit of each byte, little-endian) the bytes of `word` that a string scan must look at: quote,
    /// backslash, control characters and non-ASCII. The lowest flag is exact; flags above it may be spurious.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22), backslashes = word ^ (ones &* 0x5C)
        let zeroInQuotes = (quotes &- ones) & ~quotes
        let zeroInBackslashes = (backslashes &- ones) & ~backslashes
        let below0x20 = (word &- ones &* 0x20) & ~word
        return (word | zeroInQuotes | zeroInBackslashes | below0x20) & highs
    }

    /// Validates the escape whose backslash is at `start`; returns the offset after it.
    private func validateEscape(at start: Int) throws -> Int {
        guard start + 1 < bytes.count else { throw failure(at: start + 1, "expected an escape character") }
        switch bytes[start + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return start + 2
        case UInt8(ascii: "u"):
            guard let unit = hexQuad(at: start + 2) else { throw failure(at: start, "invalid \\u escape") }
            switch unit {
            case 0xD800...0xDBFF:
                guard start + 7 < bytes.count, bytes[start + 6] == UInt8(ascii: "\\"), bytes[start + 7] == UInt8(ascii: "u"),
                    let low = hexQuad(at: start + 8), (0xDC00...0xDFFF).contains(low)
                else { throw failure(at: start, "unpaired surrogate in a \\u escape") }
                return start + 12
            case 0xDC00...0xDFFF:
                throw failure(at: start, "unpaired surrogate in a \\u escape")
            default:
                return start + 6
            }
        default:
            throw failure(at: start, "invalid escape")
        }
    }

    /// The value of four hex digits at `index`, or nil.
    func hexQuad(at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func validateLiteral(_ literal: StaticString, at start: Int) throws -> Int {
        let length = literal.utf8CodeUnitCount
        guard start + length <= bytes.count else { throw failure(at: start, "invalid literal") }
        for offset in 0..<length where bytes[start + offset] != literal.utf8Start[offset] {
            throw failure(at: start, "invalid literal")
        }
        return start + length
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; returns the offset after the number.
    private func validateNumber(at start: Int) throws -> Int {
        let count = bytes.count
        var index = start
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < count && bytes[at] &- 0x30 < 10 }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { throw failure(at: index, "expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { throw failure(at: index, "expected a digit after '.'") }
            while isDigit(index) { index += 1 }
        }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw failure(at: index, "expected a digit in the exponent") }
            while isDigit(index) { index += 1 }
        }
        return index
    }
}
