/// Why a configuration file was refused: every problem found, one line each
/// (`/etc/cratefeed/cratefeed.toml: mqtt.qos: 3 is not 0, 1 or 2`).
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}
