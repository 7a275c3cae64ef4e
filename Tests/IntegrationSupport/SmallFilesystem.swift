import Foundation

/// A tmpfs of a given size mounted on a fresh directory, for tests of a full disk: as root only (mount(8)).
public final class SmallFilesystem: @unchecked Sendable {
    public let path: String
    private var mounted = false

    public static var canMount: Bool { getuid() == 0 }

    public init(size: String) throws {
        path = try TemporaryDirectory.make("tmpfs")
        try Self.mount(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        mounted = true
    }

    deinit { remove() }

    /// Changes the size in place, keeping the files (room again after a full disk).
    public func resize(to size: String) throws {
        try Self.mount(["-o", "remount,size=\(size)", path])
    }

    public func remove() {
        if mounted {
            _ = try? Self.run("/usr/bin/umount", ["-l", path])
            mounted = false
        }
        try? FileManager.default.removeItem(atPath: path)
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
