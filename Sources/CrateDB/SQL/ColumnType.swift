/// A column type as CrateDB reports it in `col_types` (the `?types` flag): a numeric id, and for arrays
/// `[100, <element type>]`.
public indirect enum ColumnType: Sendable, Equatable {
    case null, boolean, text, ip, double, real, smallint, integer, bigint
    case timestamp, object, geoPoint, geoShape, timestampWithoutTimeZone, undefinedObject
    case interval, row, time, numeric, date, bit, json, character, floatVector, uuid
    case array(ColumnType)
    case other(Int)

    /// Decodes one entry of `col_types`: an id, or an array type nesting its element type.
    public init(_ value: SQLValue) {
        switch value {
        case .int(let id):
            self = ColumnType(id: Int(id))
        case .array(let parts) where parts.count == 2 && parts[0] == .int(100):
            self = .array(ColumnType(parts[1]))
        default:
            self = .other(-1)
        }
    }

    public init(id: Int) {
        switch id {
        case 0: self = .null
        case 3: self = .boolean
        case 4: self = .text
        case 5: self = .ip
        case 6: self = .double
        case 7: self = .real
        case 8: self = .smallint
        case 9: self = .integer
        case 10: self = .bigint
        case 11: self = .timestamp
        case 12: self = .object
        case 13: self = .geoPoint
        case 14: self = .geoShape
        case 15: self = .timestampWithoutTimeZone
        case 16: self = .undefinedObject
        case 17: self = .interval
        case 18: self = .row
        case 20: self = .time
        case 22: self = .numeric
        case 24: self = .date
        case 25: self = .bit
        case 26: self = .json
        case 27: self = .character
        case 28: self = .floatVector
        case 29: self = .uuid
        default: self = .other(id)
        }
    }

    /// Gives a raw JSON cell the meaning its column type carries: epoch milliseconds become timestamps,
    /// `[lon, lat]` becomes a geo point; arrays apply their element type.
    func interpret(_ value: SQLValue) -> SQLValue {
        switch (self, value) {
        case (.timestamp, .int(let ms)), (.timestampWithoutTimeZone, .int(let ms)), (.date, .int(let ms)):
            return .timestamp(ms)
        case (.geoPoint, .array(let pair)) where pair.count == 2:
            guard let lon = pair[0].doubleValue, let lat = pair[1].doubleValue else { return value }
            return .geoPoint(longitude: lon, latitude: lat)
        case (.array(let element), .array(let items)):
            return .array(items.map(element.interpret))
        default:
            return value
        }
    }
}
