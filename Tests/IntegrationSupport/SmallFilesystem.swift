import Foundation

/// A tmpfs of a given size mounted on a fresh directory, for tests of a full disk: needs CAP_SYS_ADMIN (mount(8)).
/// The owner calls `remove()` when done.
public final class SmallFilesystem: @unchecked Sendable {
    public let path: String
    private var mounted = false

    /// Whether this process may mount: root in a container without CAP_SYS_ADMIN may not.
    public static var canMount: Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let effective = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        let capSysAdmin: UInt64 = 21  // linux/capability.h
        return effective & (1 << capSysAdmin) != 0
    }

    public init(size: String) throws {
        path = try TemporaryDirectory.make("tmpfs")
        do {
            try Self.mount(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        } catch {
            TemporaryDirectory.remove(path)
            throw error
        }
        mounted = true
    }

    /// Changes the size in place, keeping the files (room again after a full disk).
    public func resize(to size: String) throws {
        try Self.mount(["-o", "remount,size=\(size)", path])
    }

    public func remove() {
        if mounted {
            _ = try? Self.run("/usr/bin/umount", ["-l", path])
            mounted = false
        }
        TemporaryDirectory.remove(path)
    }

    private static func mount(_ arguments: [String]) throws {
        let status = try run("/usr/bin/mount", arguments)
        guard status == 0 else { throw TestSupportError("mount \(arguments.joined(separator: " ")) exited with \(status)") }
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = try ChildProcess(tool, arguments)
        return process.waitForExit(timeout: 30) ?? -1
    }
}
