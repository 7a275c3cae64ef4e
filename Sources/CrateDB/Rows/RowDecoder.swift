import Foundation

/// Decodes result rows into `Decodable` types by column name.
///
/// OBJECT columns decode into nested structs or dictionaries, ARRAY(OBJECT) into arrays of structs (the
/// official client's Object and ObjectArray), and timestamps (epoch milliseconds) into `Date`.
public struct RowDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from result: SQLResult) throws -> [T] {
        try result.rows.map { try decode(type, row: $0, columns: result.columns) }
    }

    public func decode<T: Decodable>(_ type: T.Type, row: [SQLValue], columns: [String]) throws -> T {
        let object = Dictionary(zip(columns, row), uniquingKeysWith: { first, _ in first })
        return try decode(type, from: .object(object))
    }

    /// Decodes any `SQLValue`, e.g. one OBJECT cell.
    public func decode<T: Decodable>(_ type: T.Type, from value: SQLValue) throws -> T {
        try ValueDecoder(value: value, codingPath: []).decode(type)
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLValue
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(ObjectContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch("an array") }
        return ArrayContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let bool = value.boolValue else { throw mismatch("a boolean") }
        return bool
    }

    func decode(_ type: String.Type) throws -> String {
        guard let string = value.stringValue else { throw mismatch("text") }
        return string
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let double = value.doubleValue else { throw mismatch("a number") }
        return double
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func decode<T: BinaryInteger & Decodable>(integer type: T.Type) throws -> T {
        guard let integer = value.intValue, let exact = T(exactly: integer) else { throw mismatch("an integer that fits \(T.self)") }
        return exact
    }

    func decode(_ type: Int.Type) throws -> Int { try decode(integer: type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decode(integer: type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decode(integer: type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(integer: type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(integer: type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decode(integer: type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(integer: type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(integer: type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(integer: type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(integer: type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // Types with a wire form of their own are handled here rather than through their Decodable
        // conformance, which would expect Foundation's encodings.
        if type == Date.self {
            guard let date = value.dateValue else { throw mismatch("a timestamp") }
            return date as! T
        }
        if type == SQLValue.self {
            return value as! T
        }
        return try T(from: self)
    }

    private func mismatch(_ expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            Any.self,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(JSONWriter.string(value))"))
    }
}

private struct ObjectContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: SQLValue]
    let codingPath: [CodingKey]

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func child(_ key: Key) throws -> ValueDecoder {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "no column or key \"\(key.stringValue)\""))
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try child(key).unkeyedContainer() }

    func superDecoder() throws -> Decoder { ValueDecoder(value: .object(members), codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> Decoder { try child(key) }
}

private struct ArrayContainer: UnkeyedDecodingContainer {
    let items: [SQLValue]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(items: [SQLValue], codingPath: [CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func nextDecoder() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "array has no element \(currentIndex)"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], codingPath: codingPath + [AnyKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try nextDecoder().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try nextDecoder().unkeyedContainer() }

    mutating func superDecoder() throws -> Decoder { try nextDecoder() }
}

extension SQLValue: Decodable {
    /// Decoding a field as `SQLValue` keeps the cell as it came; from other decoders (JSON, say) the value is
    /// rebuilt from the primitive it holds.
    public init(from decoder: Decoder) throws {
        if let source = decoder as? ValueDecoder {
            self = source.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let array = try? container.decode([SQLValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: SQLValue].self))
        }
    }
}
