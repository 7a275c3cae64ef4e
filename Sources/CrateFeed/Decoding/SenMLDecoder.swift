import Foundation

/// Format `senml`: SenML JSON (RFC 8428), an array of records, one row per record with base fields resolved:
///
///     [{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.7e9,"bu":"Cel","n":"temp","v":23.1}]
///
/// gives the payload `{"name":"urn:dev:ow:10e2073a01080063:temp","unit":"Cel","value":23.1}` at 1.7e9 s.
/// Payload keys: `name`, then `unit`, `value` (v + bv), `string_value` (vs), `bool_value` (vb), `data_value`
/// (vd, as written) and `sum` (s + bs), each only when present; `ut` and `bver` are checked but not stored.
///
/// As RFC 8428 requires, the whole pack fails when a record has no value and no sum, more than one value, a
/// name with characters outside `A-Z a-z 0-9 - : . / _` (or not starting with a letter or digit), a
/// wrongly typed field, or a field ending in `_` (must-understand) that is unknown. Times (bt + t) below 2^28
/// are relative to `receivedAt` (RFC 8428 section 4.5.3); a resolved time of 0 leaves the row's timestamp nil,
/// meaning the time of receipt.
public struct SenMLDecoder: PayloadDecoder {
    public let options: DecoderOptions
    /// The message's time of receipt (epoch ms), the reference for relative times; nil: the clock at decoding.
    public var receivedAt: Int64?
    private var rows = PendingRows()
    private var name: [UInt8] = []

    public init(options: DecoderOptions = DecoderOptions(), receivedAt: Int64? = nil) {
        self.options = options
        self.receivedAt = receivedAt
    }

    private static let relativeBelowMicros: Int64 = (1 << 28) * 1_000_000

    /// Base fields, carried from record to record until replaced.
    private struct Base {
        var name: JSONValue?
        var timeMicros: Int64 = 0
        var unit: JSONValue?
        var value: Double?
        var sum: Double?
    }

    public mutating func decode(_ payload: UnsafeRawBufferPointer, receivedAt: Int64, emit: (DecodedRow) throws -> Void) throws {
        self.receivedAt = receivedAt
        try decode(payload, emit: emit)
    }

    public mutating func decode(_ payload: UnsafeRawBufferPointer, emit: (DecodedRow) throws -> Void) throws {
        let scanner = JSONScanner(payload, maxDepth: options.maxDepth)
        let document = try scanner.validatedDocument()
        guard document.kind == .array else {
            throw DecodeError("the payload is \(document.kind.phrase); SenML is an array of records")
        }
        rows.reset()
        var base = Base()
        var position = 0
        for record in scanner.elements(of: document) {
            position += 1
            guard record.kind == .object else {
                throw DecodeError("record \(position) is \(record.kind.phrase), expected an object")
            }
            try addRow(for: record, position: position, base: &base, scanner: scanner)
        }
        try rows.emit(emit)
    }

    private mutating func addRow(for record: JSONValue, position: Int, base: inout Base, scanner: JSONScanner) throws {
        func failure(_ problem: String) -> DecodeError { DecodeError("record \(position): \(problem)") }
        func expect(_ value: JSONValue, _ kind: JSONKind, _ label: String) throws {
            guard value.kind == kind else { throw failure("\"\(label)\" is \(value.kind.phrase), expected \(kind.phrase)") }
        }
        func micros(_ value: JSONValue, _ label: String) throws -> Int64 {
            try expect(value, .number, label)
            guard let parsed = DecimalLiteral.parse(scanner.text(of: value)), let micros = parsed.floored(timesPowerOfTen: 6),
                abs(micros) < 1 << 60
            else { throw failure("\"\(label)\" is out of range") }
            return micros
        }
        func double(_ value: JSONValue, _ label: String) throws -> Double {
            try expect(value, .number, label)
            guard let number = scanner.double(value), number.isFinite else { throw failure("\"\(label)\" is out of range") }
            return number
        }

        var recordName: JSONValue?, unit: JSONValue?, value: JSONValue?, sum: JSONValue?, timeMicros: Int64 = 0
        var stringValue: JSONValue?, boolValue: JSONValue?, dataValue: JSONValue?
        for (key, field) in scanner.members(of: record) {
            let label = scanner.rawContents(of: key)
            switch label.count == 1 ? label[0] : label.count == 2 ? 0 : 1 {
            case UInt8(ascii: "n"): try expect(field, .string, "n"); recordName = field
            case UInt8(ascii: "u"): try expect(field, .string, "u"); unit = field
            case UInt8(ascii: "v"): try expect(field, .number, "v"); value = field
            case UInt8(ascii: "s"): try expect(field, .number, "s"); sum = field
            case UInt8(ascii: "t"): timeMicros = try micros(field, "t")
            case 0:  // two-letter labels
                switch (label[0], label[1]) {
                case (UInt8(ascii: "b"), UInt8(ascii: "n")): try expect(field, .string, "bn"); base.name = field
                case (UInt8(ascii: "b"), UInt8(ascii: "t")): base.timeMicros = try micros(field, "bt")
                case (UInt8(ascii: "b"), UInt8(ascii: "u")): try expect(field, .string, "bu"); base.unit = field
                case (UInt8(ascii: "b"), UInt8(ascii: "v")): base.value = try double(field, "bv")
                case (UInt8(ascii: "b"), UInt8(ascii: "s")): base.sum = try double(field, "bs")
                case (UInt8(ascii: "v"), UInt8(ascii: "s")): try expect(field, .string, "vs"); stringValue = field
                case (UInt8(ascii: "v"), UInt8(ascii: "b")): try expect(field, .bool, "vb"); boolValue = field
                case (UInt8(ascii: "v"), UInt8(ascii: "d")): try expect(field, .string, "vd"); dataValue = field
                case (UInt8(ascii: "u"), UInt8(ascii: "t")): _ = try double(field, "ut")
                default: try checkUnknown(label, failure)
                }
            default:
                if label.elementsEqual("bver".utf8) {
                    _ = try double(field, "bver")
                } else {
                    try checkUnknown(label, failure)
                }
            }
        }

        let values = (value == nil ? 0 : 1) + (stringValue == nil ? 0 : 1) + (boolValue == nil ? 0 : 1) + (dataValue == nil ? 0 : 1)
        guard values <= 1 else { throw failure("more than one value field (v, vs, vb, vd)") }
        guard values == 1 || sum != nil else { throw failure("no value (v, vs, vb or vd) and no sum (s)") }

        // name = bn + n, checked against RFC 8428's character set
        name.removeAll(keepingCapacity: true)
        if let baseName = base.name { scanner.decodeString(baseName, into: &name) }
        if let recordName { scanner.decodeString(recordName, into: &name) }
        try Self.checkName(name, failure)

        rows.beginRow()
        rows.payload.append("{\"name\":\"")
        name.withUnsafeBytes { rows.payload.append(raw: $0) }  // only characters JSON needs no escape for
        rows.payload.append(UInt8(ascii: "\""))
        if let unit = unit ?? base.unit {
            rows.payload.append(",\"unit\":")
            rows.payload.append(raw: scanner.text(of: unit))
        }
        if let value {
            rows.payload.append(",\"value\":")
            try appendNumber(value, plus: base.value, label: "v", scanner: scanner, failure)
        } else if let stringValue {
            rows.payload.append(",\"string_value\":")
            rows.payload.append(raw: scanner.text(of: stringValue))
        } else if let boolValue {
            rows.payload.append(",\"bool_value\":")
            rows.payload.append(raw: scanner.text(of: boolValue))
        } else if let dataValue {
            rows.payload.append(",\"data_value\":")
            rows.payload.append(raw: scanner.text(of: dataValue))
        }
        if let sum {
            rows.payload.append(",\"sum\":")
            try appendNumber(sum, plus: base.sum, label: "s", scanner: scanner, failure)
        }
        rows.payload.append(UInt8(ascii: "}"))
        rows.endRow(timestamp: try timestamp(base.timeMicros + timeMicros, failure))
    }

    /// The record's number as written, or the sum with its base value.
    private mutating func appendNumber(
        _ value: JSONValue, plus base: Double?, label: String, scanner: JSONScanner, _ failure: (String) -> DecodeError
    ) throws {
        guard let base else { return rows.payload.append(raw: scanner.text(of: value)) }
        guard let number = scanner.double(value), (number + base).isFinite else { throw failure("\"\(label)\" is out of range") }
        rows.payload.append(number + base)
    }

    private func timestamp(_ micros: Int64, _ failure: (String) -> DecodeError) throws -> Int64? {
        var micros = micros
        if micros < Self.relativeBelowMicros {
            guard micros != 0 else { return nil }  // "now": the time of receipt
            let reference = receivedAt ?? Int64(Date().timeIntervalSince1970 * 1_000)
            micros += reference * 1_000
        }
        let millis = micros >= 0 ? micros / 1_000 : (micros - 999) / 1_000
        guard millis >= TimestampParser.earliest, millis <= TimestampParser.latest else {
            throw failure("time is outside the years 0001 to 9999")
        }
        return millis
    }

    private func checkUnknown(_ label: UnsafeRawBufferPointer, _ failure: (String) -> DecodeError) throws {
        if label.last == UInt8(ascii: "_") {
            throw failure("unknown must-understand field \(TimestampError.quoted(label))")
        }
    }

    private static func checkName(_ name: [UInt8], _ failure: (String) -> DecodeError) throws {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            byte &- UInt8(ascii: "0") < 10 || (byte | 0x20) &- UInt8(ascii: "a") < 26
        }
        guard let first = name.first else { throw failure("name missing (bn + n is empty)") }
        var allowed = isAlphanumeric(first)
        for byte in name where !isAlphanumeric(byte) {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "_"): continue
            default: allowed = false
            }
        }
        guard allowed else {
            throw failure("name \(name.withUnsafeBytes { TimestampError.quoted($0) }) may only hold A-Z a-z 0-9 - : . / _ and must start with a letter or digit")
        }
    }
}
