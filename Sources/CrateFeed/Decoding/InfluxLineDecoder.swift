/// Format `influx`: InfluxDB line protocol, one row per line that is not blank or a `#` comment:
///
///     env,device=dev5 temperature=21.5,humidity=40i,ok=t,note="a \"b\"" 1767225600000000000
///
/// becomes the payload `{"measurement":"env","tags":{"device":"dev5"},"fields":{"temperature":21.5,
/// "humidity":40,"ok":true,"note":"a \"b\""}}` (Telegraf's CrateDB shape) and the line's timestamp, read in
/// `influxPrecision` (nanoseconds by default; `rfc3339`/`iso8601` are taken as nanoseconds), or nil.
///
/// Escapes follow InfluxDB: `\,` and `\ ` in the measurement; `\,` `\=` `\ ` in tag keys, tag values and field
/// keys; `\"` in string values; `\\` everywhere; a backslash before anything else is a literal backslash.
/// Choices where CrateDB differs from InfluxDB:
/// - dots in tag and field keys become `_` (CrateDB refuses dots in OBJECT keys; Telegraf's `key_separator`);
/// - floats are always written with a `.` or exponent (`1` -> `1.0`) so a dynamic column becomes DOUBLE;
/// - unsigned values (`u`) above Int64.max, which CrateDB's BIGINT cannot hold, are written as a decimal
///   string; a column that first got a number then rejects that row, which lands in the dead-letter table
///   (nothing is rounded silently).
public struct InfluxLineDecoder: PayloadDecoder {
    public let options: DecoderOptions
    private let precision: TimestampUnit
    private var rows = PendingRows()

    public init(options: DecoderOptions = DecoderOptions()) {
        self.options = options
        switch options.influxPrecision {
        case .rfc3339, .iso8601: self.precision = .ns
        default: self.precision = options.influxPrecision
        }
    }

    public mutating func decode(_ payload: UnsafeRawBufferPointer, emit: (DecodedRow) throws -> Void) throws {
        if let bad = UTF8Validation.firstInvalidByte(payload) { throw DecodeError("invalid UTF-8 at byte \(bad)") }
        rows.reset()
        var lineStart = 0
        var lineNumber = 0
        while lineStart < payload.count {
            lineNumber += 1
            let lineEnd = Self.endOfLine(payload, from: lineStart)
            var end = lineEnd
            if end > lineStart, payload[end - 1] == 0x0D { end -= 1 }
            var line = InfluxLine(text: payload, index: lineStart, end: end, number: lineNumber, precision: precision)
            try line.parse(into: &rows)
            lineStart = lineEnd + 1
        }
        try rows.emit(emit)
    }

    /// The offset of the next newline at or after `start`, or the payload's end; eight bytes at a time.
    private static func endOfLine(_ payload: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        while index + 8 <= payload.count {
            let newlines = payload.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ (ones &* 0x0A)
            let found = (newlines &- ones) & ~newlines & (ones &* 0x80)
            if found != 0 { return index + found.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < payload.count, payload[index] != 0x0A { index += 1 }
        return index
    }
}

/// One line being parsed: a cursor over the payload, writing the row's JSON as it goes.
private struct InfluxLine {
    let text: UnsafeRawBufferPointer
    var index: Int
    let end: Int
    let number: Int
    let precision: TimestampUnit

    private static let comma = UInt8(ascii: ","), space = UInt8(ascii: " "), equals = UInt8(ascii: "=")
    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// Sets of ASCII bytes below 64 as bit masks: the delimiters of each part and what a backslash escapes there.
    private static func set(_ bytes: UInt8...) -> UInt64 { bytes.reduce(0) { $0 | 1 << UInt64($1) } }
    private static let measurementStops = set(comma, space), measurementEscapes = set(comma, space)
    private static let tagValueStops = set(comma, space), keyStops = set(comma, space, equals)
    private static let keyEscapes = set(comma, equals, space)

    @inline(__always)
    private static func contains(_ set: UInt64, _ byte: UInt8) -> Bool {
        byte < 64 && set & (1 << UInt64(byte)) != 0
    }

    func failure(_ problem: String) -> DecodeError {
        DecodeError("line \(number): \(problem)")
    }

    var atEnd: Bool { index >= end }
    var current: UInt8 { text[index] }

    mutating func skip(_ byte: UInt8) {
        while index < end, text[index] == byte { index += 1 }
    }

    mutating func parse(into rows: inout PendingRows) throws {
        while index < end, text[index] == Self.space || text[index] == 0x09 { index += 1 }
        if atEnd || current == UInt8(ascii: "#") { return }  // blank line or comment

        rows.beginRow()
        rows.payload.append("{\"measurement\":\"")
        let measurementStart = index
        copyName(into: &rows.payload, stops: Self.measurementStops, escapes: Self.measurementEscapes, dotsToUnderscores: false)
        guard index > measurementStart else { throw failure("measurement missing") }
        rows.payload.append("\",\"tags\":{")

        var first = true
        while !atEnd, current == Self.comma {
            index += 1
            if !first { rows.payload.append(Self.comma) }
            first = false
            try copyPair(into: &rows.payload, kind: "tag")
            let valueStart = index
            rows.payload.append(Self.quote)
            copyName(into: &rows.payload, stops: Self.tagValueStops, escapes: Self.keyEscapes, dotsToUnderscores: false)
            guard index > valueStart else { throw failure("tag value missing") }
            rows.payload.append(Self.quote)
        }
        rows.payload.append("},\"fields\":{")

        guard !atEnd, current == Self.space else { throw failure("expected a space and then the fields after the measurement and tags") }
        skip(Self.space)
        guard !atEnd else { throw failure("no fields") }
        first = true
        while true {
            if !first { rows.payload.append(Self.comma) }
            first = false
            let keyStart = index
            try copyPair(into: &rows.payload, kind: "field")
            guard !atEnd, current != Self.comma, current != Self.space else { throw failure("field value missing") }
            try copyFieldValue(into: &rows.payload, key: keyStart)
            guard !atEnd, current == Self.comma else { break }
            index += 1
        }
        rows.payload.append("}}")

        var timestamp: Int64?
        if !atEnd {
            guard current == Self.space else { throw failure("expected ',' or a space after a field value") }
            skip(Self.space)
        }
        if !atEnd {
            let start = index
            while !atEnd, current != Self.space { index += 1 }
            timestamp = try readTimestamp(start..<index)
            skip(Self.space)
            guard atEnd else { throw failure("unexpected text after the timestamp") }
        }
        rows.endRow(timestamp: timestamp)
    }

    /// Copies a name or tag value up to an unescaped stop byte, unescaping and JSON-escaping it. Plain runs
    /// are copied whole; only backslashes, quotes, control characters and (in keys) dots are looked at.
    private mutating func copyName(into out: inout JSONPayloadBuilder, stops: UInt64, escapes: UInt64, dotsToUnderscores: Bool) {
        var runStart = index
        while !atEnd {
            var byte = current
            if Self.contains(stops, byte) { break }
            guard byte == Self.backslash || byte == Self.quote || byte < 0x20 || (dotsToUnderscores && byte == UInt8(ascii: ".")) else {
                index += 1
                continue
            }
            out.append(raw: UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
            if byte == Self.backslash, index + 1 < end, text[index + 1] == Self.backslash || Self.contains(escapes, text[index + 1]) {
                index += 1
                byte = current
            }
            if byte == UInt8(ascii: ".") && dotsToUnderscores {
                out.append(UInt8(ascii: "_"))
            } else if byte < 0x20 || byte == Self.quote || byte == Self.backslash {
                out.appendEscape(for: byte)
            } else {
                out.append(byte)
            }
            index += 1
            runStart = index
        }
        out.append(raw: UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
    }

    /// Copies `key=` as `"key":`, leaving the cursor on the value.
    private mutating func copyPair(into out: inout JSONPayloadBuilder, kind: String) throws {
        let keyStart = index
        out.append(Self.quote)
        copyName(into: &out, stops: Self.keyStops, escapes: Self.keyEscapes, dotsToUnderscores: true)
        guard index > keyStart else { throw failure("\(kind) key missing") }
        guard !atEnd, current == Self.equals else {
            throw failure("\(kind) \(quoted(keyStart..<index)) has no '=' and value")
        }
        index += 1
        out.append("\":")
    }

    private func quoted(_ range: Range<Int>) -> String {
        TimestampError.quoted(UnsafeRawBufferPointer(rebasing: text[range]))
    }

    private mutating func copyFieldValue(into out: inout JSONPayloadBuilder, key keyStart: Int) throws {
        if current == Self.quote {
            index += 1
            out.append(Self.quote)
            var runStart = index
            while true {
                guard !atEnd else { throw failure("unterminated string value") }
                var byte = current
                if byte == Self.quote { break }
                guard byte == Self.backslash || byte < 0x20 else {
                    index += 1
                    continue
                }
                out.append(raw: UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
                if byte == Self.backslash, index + 1 < end, text[index + 1] == Self.quote || text[index + 1] == Self.backslash {
                    index += 1
                    byte = current
                }
                out.appendEscape(for: byte)
                index += 1
                runStart = index
            }
            out.append(raw: UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
            index += 1
            out.append(Self.quote)
            return
        }

        let start = index
        while !atEnd, current != Self.comma, current != Self.space { index += 1 }
        let token = UnsafeRawBufferPointer(rebasing: text[start..<index])
        // `12i` and `12u` are integers; anything else ending in i or u (`tru`) falls through to the general error.
        let suffixed = token.count >= 2 && token[token.count - 2] &- 0x30 < 10
        switch suffixed ? token[token.count - 1] : 0 {
        case UInt8(ascii: "i"):
            guard let value = Self.integer(UnsafeRawBufferPointer(rebasing: token.dropLast())) else {
                throw failure("\(quoted(start..<index)) is not an integer (-9223372036854775808i to 9223372036854775807i)")
            }
            out.append(value)
        case UInt8(ascii: "u"):
            let digits = UnsafeRawBufferPointer(rebasing: token.dropLast())
            guard let value = Self.unsigned(digits) else {
                throw failure("\(quoted(start..<index)) is not an unsigned integer (0u to 18446744073709551615u)")
            }
            if value <= UInt64(Int64.max) {
                out.append(value)
            } else {
                out.append(Self.quote)
                out.append(value)
                out.append(Self.quote)
            }
        default:
            if let boolean = Self.boolean(token) {
                out.append(boolean ? "true" : "false")
            } else if DecimalLiteral.parse(token, grammar: .lenient) != nil {
                guard let value = DecimalLiteral.double(token, grammar: .lenient), value.isFinite else {
                    throw failure("\(quoted(start..<index)) is out of a float's range")
                }
                Self.appendFloat(token, into: &out)
            } else {
                throw failure("field value \(quoted(start..<index)) is not a number, boolean or quoted string")
            }
        }
    }

    private func readTimestamp(_ range: Range<Int>) throws -> Int64 {
        guard let value = Self.integer(UnsafeRawBufferPointer(rebasing: text[range])) else {
            throw failure("timestamp \(quoted(range)) is not an integer")
        }
        do {
            return try TimestampParser.millis(fromInteger: value, unit: precision)
        } catch let error as TimestampError {
            throw failure(error.reason)
        }
    }

    static func integer(_ text: UnsafeRawBufferPointer) -> Int64? {
        let negative = text.first == UInt8(ascii: "-")
        guard let magnitude = unsigned(negative ? UnsafeRawBufferPointer(rebasing: text.dropFirst()) : text) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    static func unsigned(_ text: UnsafeRawBufferPointer) -> UInt64? {
        guard !text.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in text {
            guard byte &- 0x30 < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    private static let trueSpellings = ["t", "T", "true", "True", "TRUE"].map { Array($0.utf8) }
    private static let falseSpellings = ["f", "F", "false", "False", "FALSE"].map { Array($0.utf8) }

    static func boolean(_ token: UnsafeRawBufferPointer) -> Bool? {
        guard let first = token.first, first | 0x20 == UInt8(ascii: "t") || first | 0x20 == UInt8(ascii: "f") else { return nil }
        if trueSpellings.contains(where: { $0.elementsEqual(token) }) { return true }
        if falseSpellings.contains(where: { $0.elementsEqual(token) }) { return false }
        return nil
    }

    /// Writes a line-protocol float (validated, lenient grammar) as a JSON number that stays a float:
    /// `+.5` -> `0.5`, `007` -> `7.0`, `5.` -> `5.0`, `1E5` kept.
    static func appendFloat(_ token: UnsafeRawBufferPointer, into out: inout JSONPayloadBuilder) {
        var index = 0
        if token[index] == UInt8(ascii: "-") { out.append(UInt8(ascii: "-")) }
        if token[index] == UInt8(ascii: "-") || token[index] == UInt8(ascii: "+") { index += 1 }
        let integerStart = index
        while index < token.count, token[index] &- 0x30 < 10 { index += 1 }
        var firstDigit = integerStart
        while firstDigit < index - 1, token[firstDigit] == UInt8(ascii: "0") { firstDigit += 1 }
        if firstDigit == index {
            out.append(UInt8(ascii: "0"))
        } else {
            out.append(raw: UnsafeRawBufferPointer(rebasing: token[firstDigit..<index]))
        }
        var hasFraction = false
        if index < token.count, token[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < token.count, token[index] &- 0x30 < 10 { index += 1 }
            out.append(UInt8(ascii: "."))
            if index == fractionStart {
                out.append(UInt8(ascii: "0"))
            } else {
                out.append(raw: UnsafeRawBufferPointer(rebasing: token[fractionStart..<index]))
            }
            hasFraction = true
        }
        if index < token.count {
            out.append(raw: UnsafeRawBufferPointer(rebasing: token[index...]))  // the exponent, valid JSON as written
        } else if !hasFraction {
            out.append(".0")
        }
    }
}
