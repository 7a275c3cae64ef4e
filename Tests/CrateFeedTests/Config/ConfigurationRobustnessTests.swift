import Foundation
import Testing

@testable import CrateFeed

/// Damaged files never crash the parser: each one is either a valid configuration whose effective description
/// reads back into it, or a list of one-line problems naming the file.
@Suite struct ConfigurationRobustnessTests {
    @Test func survivesRandomDamageToTheExample() throws {
        let example = try String(
            contentsOf: configRepositoryRoot.appendingPathComponent("config/cratefeed.toml"), encoding: .utf8)
        // CONFIG_FUZZ_ITERATIONS and CONFIG_FUZZ_SEED make a longer or different run.
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["CONFIG_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 400
        var random = ConfigTestRandom(seed: environment["CONFIG_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xC0FFEE)
        let pieces = [
            "[", "]", "\"", "=", "#", ".", "\n", "{", "}", "0", "-1", "a", "ms", "[[route]]\n", "ü", "\\", "'''",
            "\"\"\"", "\t", "\r\n", "[\n", ",", "1e999", "0x7f", "1979-05-27T07:32:00Z", "inf", "\\u0000",
        ]
        var valid = 0
        var refused = 0

        for _ in 0..<iterations {
            var text = Array(example.unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text.removeSubrange(at..<min(text.count, at + Int.random(in: 1...40, using: &random)))
                case 1: text.insert(contentsOf: pieces.randomElement(using: &random)!.unicodeScalars, at: at)
                default: text[at] = pieces.randomElement(using: &random)!.unicodeScalars.first!
                }
            }
            var mutated = String.UnicodeScalarView()
            mutated.append(contentsOf: text)

            do {
                let configuration = try Configuration.parse(text: String(mutated), path: "damaged.toml")
                let again = try Configuration.parse(text: configuration.effectiveDescription(), path: "effective")
                #expect(again == configuration)
                valid += 1
            } catch let error as ConfigurationError {
                #expect(!error.problems.isEmpty)
                for line in error.problems {
                    #expect(line.hasPrefix("damaged.toml: ") && !line.contains("\n"), "\(line)")
                }
                refused += 1
            }
        }
        // The damage is varied enough to exercise both outcomes.
        #expect(valid > iterations / 20 && refused > iterations / 20, "valid \(valid), refused \(refused)")
    }
}

/// A small seeded generator, so a failure reproduces.
struct ConfigTestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Table headers that crash toml++ 3.4.0 are reported instead; valid files that look similar are not.
@Suite struct TOMLHeaderGuardTests {
    @Test(arguments: [
        ("[\n", 1, 2, "a line break"), ("[[=", 1, 3, "\"=\""), ("[[[a]]]", 1, 3, "\"[\""),
        ("a = 1\n [ ü]", 2, 4, "\"ü\""),
        ("[[ [a]]", 1, 4, "\"[\""), ("x = \"\"\"\n\"\"\"\n[#", 3, 2, "\"#\""),
    ])
    func reportsHeadersWithoutAName(text: String, line: Int, column: Int, found: String) {
        let problem = TOMLHeaderGuard.problem(in: text)
        #expect(
            problem == .init(line: line, column: column, message: "expected a table name after \"[\", found \(found)"))
        expectProblems(text, ["line \(line), column \(column): expected a table name after \"[\", found \(found)"])
    }

    @Test(arguments: [
        "a = [\n[\n1]]\n", "a = \"\"\"\n[\n\"\"\"\n", "a = '''\n[=\n'''\n", "a = \"[\" # [\n", "[ a ]\n[[ b ]]\n",
        "[\"q\"]\n['l']\n", "a = \"\\\"[\"\n", "a = [ # [\n ]\n[b]\n", "a = \"\"\"x\\\n[\"\"\"\n",
    ])
    func leavesValidTOMLAlone(text: String) {
        #expect(TOMLHeaderGuard.problem(in: text) == nil)
    }
}
