import Foundation

/// A value as CrateDB sends and receives it over HTTP: statement arguments and result cells.
///
/// Result rows arrive as plain JSON; `SQLResult` turns epoch-millisecond integers into `.timestamp` and
/// `[lon, lat]` pairs into `.geoPoint` where the column types say so.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)
    /// Milliseconds since the Unix epoch, UTC: CrateDB's wire form for TIMESTAMP columns.
    case timestamp(Int64)
    case object([String: SQLValue])
    case array([SQLValue])
    case geoPoint(longitude: Double, latitude: Double)

    public static func timestamp(_ date: Date) -> SQLValue {
        .timestamp(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    public var isNull: Bool { self == .null }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value), .timestamp(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int64(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var dateValue: Date? {
        switch self {
        case .timestamp(let ms), .int(let ms): return Date(timeIntervalSince1970: Double(ms) / 1000)
        case .double(let ms): return Date(timeIntervalSince1970: ms / 1000)
        default: return nil
        }
    }

    public var objectValue: [String: SQLValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [SQLValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Looks up a key of an OBJECT value, as `payload['key']` does in SQL.
    public subscript(key: String) -> SQLValue? {
        objectValue?[key]
    }
}

extension SQLValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(arrayLiteral elements: SQLValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, SQLValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension SQLValue: CustomStringConvertible {
    /// The value as a CrateDB shell shows it: JSON for objects and arrays, ISO 8601 for timestamps.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .text(let value): return value
        case .timestamp(let ms): return ISO8601Millis.format(ms)
        default: return JSONWriter.string(self)
        }
    }
}

enum ISO8601Millis {
    static func format(_ ms: Int64) -> String {
        let seconds = Double(ms) / 1000
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((ms % 1000 + 1000) % 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
