/// A bad simulator setting, as one line naming the option.
public struct SimulationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
