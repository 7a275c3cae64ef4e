/// Why a message could not be turned into rows: one line naming what is wrong and where, e.g.
/// `invalid JSON at byte 17: expected ',' or '}'` or `line 3: field value missing`. The message then goes to
/// the dead-letter table with this reason.
public struct DecodeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

extension JSONScanner {
    /// `validate()` for a decoder: a payload that is not JSON is a `DecodeError` naming what is wrong.
    func validatedDocument() throws -> JSONValue {
        do {
            return try validate()
        } catch let error as JSONScanError {
            throw DecodeError(error.description)
        }
    }
}
