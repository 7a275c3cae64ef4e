/// A JSON document failed validation: the byte offset and what was expected there.
public struct JSONScanError: Error, CustomStringConvertible, Equatable, Sendable {
    public let offset: Int
    public let problem: String

    public init(offset: Int, problem: String) {
        self.offset = offset
        self.problem = problem
    }

    public var description: String { "invalid JSON at byte \(offset): \(problem)" }
}
