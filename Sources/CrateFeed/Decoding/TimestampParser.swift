import Foundation

/// Reads a reading's timestamp into epoch milliseconds, by hand (no DateFormatter) because it runs per reading.
///
/// Numbers are epoch seconds, milliseconds, microseconds or nanoseconds. With `.auto` the magnitude of the
/// integer part decides:
///
/// | absolute value           | read as      | the cut-off as the other unit   |
/// |--------------------------|--------------|---------------------------------|
/// | below 1e11               | seconds      | 1e11 s is the year 5138         |
/// | 1e11 up to below 1e14    | milliseconds | 1e11 ms is 1973-03-03           |
/// | 1e14 up to below 1e17    | microseconds | 1e14 us is 1973-03-03           |
/// | 1e17 and more            | nanoseconds  | 1e17 ns is 1973-03-03           |
///
/// so any time from March 1973 to the year 5138 is read right in every unit (declare the unit for older
/// times). Fractions are kept down to the millisecond and floored (`1700000000.1239` s -> ...123 ms).
/// Strings hold a number as above or a date-time (`DateTimeText`): with an offset or `Z` it is exact, without
/// one it is local time in `timeZone`; a date alone is local midnight. Results must lie in the years
/// 0001 to 9999.
public struct TimestampParser {
    public static let secondsBelow = 100_000_000_000.0  // 1e11
    public static let millisecondsBelow = 100_000_000_000_000.0  // 1e14
    public static let microsecondsBelow = 100_000_000_000_000_000.0  // 1e17
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.
    public static let earliest: Int64 = -62_135_596_800_000
    public static let latest: Int64 = 253_402_300_799_999

    public let unit: TimestampUnit
    private var localTime: LocalTimeConverter

    public init(unit: TimestampUnit = .auto, timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!) {
        self.unit = unit
        self.localTime = LocalTimeConverter(timeZone: timeZone)
    }

    public var timeZone: TimeZone { localTime.timeZone }

    /// A number as written in JSON or line protocol (`1700000000`, `1.7e9`, `1700000000123`).
    public func millis(fromNumber text: UnsafeRawBufferPointer) throws -> Int64 {
        switch unit {
        case .rfc3339, .iso8601:
            throw TimestampError("\(TimestampError.quoted(text)) is a number, but the timestamp is declared as \(unit.rawValue) (a date-time string)")
        default:
            guard let number = DecimalLiteral.parse(text, grammar: .lenient) else {
                throw TimestampError("\(TimestampError.quoted(text)) is not a number")
            }
            return try millis(from: number, text)
        }
    }

    /// The contents of a string: a date-time, or a number in a string (`"1700000000"`) unless the unit
    /// declares a date-time.
    public mutating func millis(fromString text: UnsafeRawBufferPointer) throws -> Int64 {
        switch unit {
        case .s, .ms, .us, .ns:
            return try millis(fromNumber: text)
        case .auto:
            if let number = DecimalLiteral.parse(text, grammar: .lenient) { return try millis(from: number, text) }
        case .rfc3339, .iso8601:
            break
        }
        let fields = try DateTimeText.parse(text)
        if unit == .rfc3339, !fields.hasTime || fields.offsetSeconds == nil {
            throw TimestampError("\(TimestampError.quoted(text)) has no offset; rfc3339 timestamps need one, e.g. 2024-03-01T12:00:00Z")
        }
        var seconds = fields.wallClockSeconds
        if let offset = fields.offsetSeconds {
            seconds -= Int64(offset)
        } else {
            seconds = localTime.utcSeconds(fromLocal: seconds)
        }
        return try checked(seconds * 1_000 + Int64(fields.millisecond), text)
    }

    /// Convenience for tests and tools: `text` as the contents of a string.
    public mutating func millis(from text: String) throws -> Int64 {
        var text = text
        return try text.withUTF8 { try millis(fromString: UnsafeRawBufferPointer($0)) }
    }

    /// An integer in a declared unit (line-protocol timestamps); `.auto` decides by magnitude.
    public static func millis(fromInteger value: Int64, unit: TimestampUnit) throws -> Int64 {
        let magnitude = Double(value.magnitude)
        let resolved = unit == .auto ? autoUnit(magnitude) : unit
        let millis: Int64
        switch resolved {
        case .s:
            let (product, overflow) = value.multipliedReportingOverflow(by: 1_000)
            guard !overflow else { throw TimestampError("timestamp \(value) s is out of range") }
            millis = product
        case .us: millis = floorDivide(value, 1_000)
        case .ns: millis = floorDivide(value, 1_000_000)
        default: millis = value
        }
        guard millis >= earliest, millis <= latest else {
            throw TimestampError("timestamp \(value) (\(resolved.rawValue)) is outside the years 0001 to 9999")
        }
        return millis
    }

    private func millis(from number: DecimalLiteral, _ text: UnsafeRawBufferPointer) throws -> Int64 {
        var resolved = unit
        if unit == .auto {
            let digits = number.integerDigitCount
            resolved = digits <= 11 ? .s : digits <= 14 ? .ms : digits <= 17 ? .us : .ns
        }
        let power: Int
        switch resolved {
        case .s: power = 3
        case .us: power = -3
        case .ns: power = -6
        default: power = 0
        }
        guard let millis = number.floored(timesPowerOfTen: power) else {
            throw TimestampError("timestamp \(TimestampError.quoted(text)) is out of range")
        }
        return try checked(millis, text)
    }

    private func checked(_ millis: Int64, _ text: UnsafeRawBufferPointer) throws -> Int64 {
        guard millis >= Self.earliest, millis <= Self.latest else {
            throw TimestampError("timestamp \(TimestampError.quoted(text)) is outside the years 0001 to 9999")
        }
        return millis
    }

    private static func autoUnit(_ magnitude: Double) -> TimestampUnit {
        magnitude < secondsBelow ? .s : magnitude < millisecondsBelow ? .ms : magnitude < microsecondsBelow ? .us : .ns
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
