import Foundation
import Testing

@testable import CrateFeed

/// `cratefeed check-config`, run as the built executable.
@Suite struct CheckConfigCommandTests {
    @Test func printsTheEffectiveConfigurationOfAValidFile() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("ok.toml", minimalConfig + "[batch]\nmax_rows = 10\n")

        let run = try runCratefeed(["check-config", "--config", file], scratch: scratch)

        #expect(run.status == 0)
        #expect(run.stderr == "")
        let expected = try Configuration.load(path: file).effectiveDescription()
        #expect(run.stdout == expected)
        #expect(run.stdout.contains("max_rows = 10\n"))
    }

    @Test func printsEveryProblemOnStderrAndExitsTwo() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let file = try scratch.write("bad.toml", "[mqtt]\nqos = 3\n[[route]]\ntopic = \"a\"\nformat = \"xml\"\n")

        let run = try runCratefeed(["check-config", "--config", file], scratch: scratch)

        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(
            run.stderr == """
                \(file): mqtt.qos: 3 is not 0, 1 or 2
                \(file): route[1].format: "xml" is not one of json, influx, senml, value, blob

                """)
    }

    @Test func reportsAMissingFile() throws {
        let scratch = try ConfigScratchDirectory()
        defer { scratch.remove() }
        let run = try runCratefeed(["check-config", "--config", scratch.path + "/none.toml"], scratch: scratch)
        #expect(run.status == 2)
        #expect(
            run.stderr == "\(scratch.path)/none.toml: cannot read the configuration file: No such file or directory\n")
    }

    private struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs the `cratefeed` built next to this test binary, its output going to files in `scratch`.
    private func runCratefeed(_ arguments: [String], scratch: ConfigScratchDirectory) throws -> Run {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("cratefeed").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        let executable = directory.appendingPathComponent("cratefeed")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build cratefeed first")

        let outPath = scratch.path + "/stdout"
        let errPath = scratch.path + "/stderr"
        try #require(FileManager.default.createFile(atPath: outPath, contents: nil))
        try #require(FileManager.default.createFile(atPath: errPath, contents: nil))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: try String(contentsOfFile: outPath, encoding: .utf8),
            stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    }
}
