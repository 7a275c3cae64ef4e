import Foundation

/// Runs the built `cratefeed` executable and reports its exit status, output and peak resident memory.
public struct CratefeedRun {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Peak resident set size of the process in kilobytes (from wait4's rusage).
    public let maxResidentKilobytes: Int

    public static var executable: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test binary sits in <build>/debug/ or inside an .xctest bundle there.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("cratefeed").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("cratefeed").path
    }

    public static func run(_ arguments: [String]) throws -> CratefeedRun {
        let directory = try TemporaryDirectory.make("run")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/out"
        let errPath = directory + "/err"
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        // A clean signal mask: the calling thread may be a libdispatch worker with signals blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw StandInError("cannot start \(executable): errno \(spawned)") }

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return CratefeedRun(
            status: exitStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            maxResidentKilobytes: usage.ru_maxrss)
    }
}
