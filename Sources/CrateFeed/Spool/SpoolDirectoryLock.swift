#if canImport(Glibc)
import Glibc
#endif

/// The exclusive flock(2) on `DIR/lock` that keeps a second cratefeed (or a second Spool) off a spool directory.
/// The kernel drops it when the descriptor closes, so a killed process never leaves a stale lock behind.
final class SpoolDirectoryLock {
    /// How long a held lock is retried before giving up. A lock is shared with any child process this one is
    /// forking at that moment (until the child's exec closes the copied descriptor), so a spool closed and opened
    /// again while a thread spawns a process can find it held for an instant.
    private static let patience: Double = 0.5

    private let file: SpoolFile

    init(directory: String) throws {
        let path = directory + "/lock"
        let file = try SpoolFile.open(path, flags: O_RDWR | O_CREAT)
        var waited = 0.0
        while try !file.tryLockExclusively() {
            guard waited < Self.patience else {
                throw SpoolError.locked(directory: directory, holder: Self.holder(file))
            }
            usleep(10_000)
            waited += 0.01
        }
        // The holder's pid, for the message another instance prints.
        let pid = Array("\(getpid())\n".utf8)
        try file.truncate(to: 0)
        try pid.withUnsafeBytes { try file.write($0, at: 0) }
        self.file = file
    }

    /// Releases the lock.
    func unlock() {
        file.close()
    }

    private static func holder(_ file: SpoolFile) -> String? {
        var bytes = [UInt8](repeating: 0, count: 32)
        guard let count = try? bytes.withUnsafeMutableBytes({ try file.read(into: $0, at: 0) }) else { return nil }
        let text = String(decoding: bytes.prefix(count), as: UTF8.self).split(separator: "\n").first.map(String.init)
        return text.flatMap { Int32($0) != nil ? $0 : nil }
    }
}
