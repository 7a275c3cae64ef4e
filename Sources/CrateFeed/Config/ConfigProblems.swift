import Foundation

/// Every problem found in one configuration file, in the order found, each tied to the key it is about
/// (`mqtt.qos`, `route[2].format`; counted from 1 as a reader counts the `[[route]]` blocks).
final class ConfigProblems {
    private(set) var entries: [(key: String, message: String)] = []

    var isEmpty: Bool { entries.isEmpty }

    func add(_ key: String, _ message: String) {
        entries.append((key, message))
    }

    /// One line per problem: `<file>: <key>: <message>`.
    func lines(path: String) -> [String] {
        entries.map { Self.oneLine("\(path): \($0.key): \($0.message)") }
    }

    /// Line breaks shown as `\n`, so that whatever a file or a library's message holds, a problem stays one line.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}
