import Foundation
import Testing

@testable import CrateFeed

/// The path problem lines of these tests start with.
let configTestPath = "/etc/cratefeed/cratefeed.toml"

/// The smallest valid file: one route, everything else default.
let minimalConfig = """
    [[route]]
    topic = "sensors/#"

    """

/// The problem lines `text` produces (empty when it is valid).
func configProblems(_ text: String, environment: [String: String] = [:]) -> [String] {
    do {
        _ = try Configuration.parse(text: text, path: configTestPath, environment: environment)
        return []
    } catch let error as ConfigurationError {
        return error.problems
    } catch {
        return ["unexpected error: \(error)"]
    }
}

/// Expects `text` to produce exactly `expected` (each without the leading "<path>: ").
func expectProblems(
    _ text: String, _ expected: [String], environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        configProblems(text, environment: environment) == expected.map { "\(configTestPath): \($0)" },
        sourceLocation: sourceLocation)
}

/// Expects the minimal file plus `section` to produce exactly one problem.
func expectProblem(_ section: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    expectProblems(minimalConfig + section, [expected], sourceLocation: sourceLocation)
}

/// A directory of its own under the system's temporary directory, for files a test needs.
struct ConfigScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "cratefeed-config-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The repository's root, found from this file's own location (through the symlinks of a scratch package).
var configRepositoryRoot: URL {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
