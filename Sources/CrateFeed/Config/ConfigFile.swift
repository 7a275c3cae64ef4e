#if canImport(Glibc)
    import Glibc
#endif

/// Reads the small files the configuration names (the configuration itself, password files) without ever
/// blocking or exhausting memory: only regular files are opened for reading (a FIFO or /dev/zero is refused,
/// not waited on), and only up to a limit.
enum ConfigFile {
    /// Why a file cannot be read, as a phrase that completes `cannot read "<path>": ...`.
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        try withRegularFile(path) { descriptor, size in
            guard size <= limit else { throw ReadError(description: "larger than \(limit) bytes") }
            var bytes = [UInt8](repeating: 0, count: size)
            var filled = 0
            // The file can shrink under us: read what is there, up to the size fstat saw.
            while filled < bytes.count {
                let count = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ReadError(description: lastErrorText())
                }
                if count == 0 { break }
                filled += count
            }
            bytes.removeSubrange(filled...)
            return bytes
        }
    }

    /// Throws unless `path` is a regular file this process can open for reading (a CA bundle, a key).
    static func checkReadable(_ path: String) throws {
        try withRegularFile(path) { _, _ in }
    }

    private static func withRegularFile<T>(_ path: String, _ body: (Int32, Int) throws -> T) throws -> T {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError(description: lastErrorText()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ReadError(description: lastErrorText()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw ReadError(description: "not a regular file") }
        return try body(descriptor, Int(status.st_size))
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}
