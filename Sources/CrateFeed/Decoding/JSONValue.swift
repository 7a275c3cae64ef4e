/// What a JSON value is.
public enum JSONKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// Where a JSON value sits in the scanned bytes: `range` runs from its first byte to just past its last
/// (a string's range includes its quotes).
public struct JSONValue: Sendable, Equatable {
    public var kind: JSONKind
    public var range: Range<Int>

    public init(kind: JSONKind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }
}

extension JSONKind {
    /// "an object", "a number", ... for messages.
    var phrase: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}
