/// Finding values in a validated document by key path and walking objects and arrays, without allocating.
extension JSONScanner {
    /// The members of `object` in document order.
    public func members(of object: JSONValue) -> Members {
        Members(scanner: self, index: object.range.lowerBound + 1, end: object.range.upperBound)
    }

    /// The elements of `array` in document order.
    public func elements(of array: JSONValue) -> Elements {
        Elements(scanner: self, index: array.range.lowerBound + 1, end: array.range.upperBound)
    }

    /// The value of the first member of `object` whose key is `key`.
    public func member(_ key: UnsafeRawBufferPointer, of object: JSONValue) -> JSONValue? {
        guard object.kind == .object else { return nil }
        for (name, value) in members(of: object) where stringEquals(name, key) {
            return value
        }
        return nil
    }

    /// The value at a key path (`["meta", "ts"]` for `{"meta":{"ts":...}}`), or nil when a key is absent or an
    /// intermediate value is not an object.
    public func value(at path: [[UInt8]], in object: JSONValue) -> JSONValue? {
        var current = object
        for key in path {
            let found = key.withUnsafeBytes { member($0, of: current) }
            guard let found else { return nil }
            current = found
        }
        return current
    }

    public func value(at path: [String], in object: JSONValue) -> JSONValue? {
        value(at: path.map { Array($0.utf8) }, in: object)
    }

    public struct Members: Sequence, IteratorProtocol {
        let scanner: JSONScanner
        var index: Int
        let end: Int

        public mutating func next() -> (key: JSONValue, value: JSONValue)? {
            index = scanner.skipWhitespace(from: index)
            guard index < end, scanner.bytes[index] == UInt8(ascii: "\"") else { return nil }
            let key = JSONValue(kind: .string, range: index..<scanner.endOfValue(at: index))
            index = scanner.skipWhitespace(from: key.range.upperBound)
            guard index < end, scanner.bytes[index] == UInt8(ascii: ":") else { return nil }
            index = scanner.skipWhitespace(from: index + 1)
            guard index < end else { return nil }
            let value = JSONValue(kind: scanner.kind(at: index), range: index..<scanner.endOfValue(at: index))
            index = scanner.skipWhitespace(from: value.range.upperBound)
            if index < end, scanner.bytes[index] == UInt8(ascii: ",") { index += 1 }
            return (key, value)
        }
    }

    public struct Elements: Sequence, IteratorProtocol {
        let scanner: JSONScanner
        var index: Int
        let end: Int

        public mutating func next() -> JSONValue? {
            index = scanner.skipWhitespace(from: index)
            guard index < end, scanner.bytes[index] != UInt8(ascii: "]") else { return nil }
            let value = JSONValue(kind: scanner.kind(at: index), range: index..<scanner.endOfValue(at: index))
            index = scanner.skipWhitespace(from: value.range.upperBound)
            if index < end, scanner.bytes[index] == UInt8(ascii: ",") { index += 1 }
            return value
        }
    }

    func kind(at index: Int) -> JSONKind {
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// The offset just past the value that starts at `start`; never beyond `bytes.count`.
    func endOfValue(at start: Int) -> Int {
        let count = bytes.count
        var index = start
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return endOfString(at: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index = endOfString(at: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return count
        default:
            while index < count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return index
                default: index += 1
                }
            }
            return count
        }
    }

    func endOfString(at start: Int) -> Int {
        let count = bytes.count
        var index = start + 1
        while index < count {
            if index + 8 <= count {
                let special = Self.specialBytes(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                if special == 0 {
                    index += 8
                    continue
                }
                index += special.trailingZeroBitCount >> 3
            }
            switch bytes[index] {
            case UInt8(ascii: "\""): return index + 1
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        return count
    }
}
