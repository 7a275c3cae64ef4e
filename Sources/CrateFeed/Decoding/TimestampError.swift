/// A timestamp value that could not be read, with the value (shortened) and what was expected.
public struct TimestampError: Error, CustomStringConvertible, Equatable, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }

    /// `text` quoted for a one-line message: at most 40 bytes, anything unprintable shown as `?`.
    static func quoted(_ text: UnsafeRawBufferPointer) -> String {
        let shown = text.prefix(40).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }
        return "\"" + String(decoding: shown, as: UTF8.self) + (text.count > 40 ? "...\"" : "\"")
    }
}
