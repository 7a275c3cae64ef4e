/// Why a route's topic filter was refused: one line naming the filter and what to change.
public struct TopicFilterError: Error, CustomStringConvertible, Equatable, Sendable {
    public let filter: String
    public let problem: String

    public init(filter: String, problem: String) {
        self.filter = filter
        self.problem = problem
    }

    public var description: String { "topic filter \"\(filter)\": \(problem)" }
}
