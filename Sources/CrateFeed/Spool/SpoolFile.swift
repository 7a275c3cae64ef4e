#if canImport(Glibc)
import Glibc
#endif

/// A file of the spool directory behind a descriptor: the one place that calls into libc for files, turning every
/// failure into `SpoolError.system` with the path.
final class SpoolFile: SpoolSegmentSource, @unchecked Sendable {  // used under the spool's lock or by one reader
    let path: String
    private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close()
    }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws -> SpoolFile {
        let descriptor = Self.retryingOnInterrupt { Glibc.open(path, flags | O_CLOEXEC, mode) }
        guard descriptor >= 0 else { throw SpoolError.system(operation: "open", path: path, errno: errno) }
        return SpoolFile(path: path, descriptor: descriptor)
    }

    func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)  // nothing to do about a failed close: data safety is fdatasync's job
        descriptor = -1
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard !buffer.isEmpty else { return 0 }
        var total = 0
        while total < buffer.count {
            let count = Self.retryingOnInterrupt {
                pread(descriptor, buffer.baseAddress! + total, buffer.count - total, off_t(offset) + off_t(total))
            }
            guard count >= 0 else { throw SpoolError.system(operation: "read", path: path, errno: errno) }
            if count == 0 { break }
            total += count
        }
        return total
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var written = 0
        while written < bytes.count {
            let count = Self.retryingOnInterrupt {
                pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            }
            guard count > 0 else { throw SpoolError.system(operation: "write", path: path, errno: count < 0 ? errno : EIO) }
            written += count
        }
    }

    /// Writes the parts one after the other at `offset` with a single pwritev(2), so a killed process leaves the
    /// record whole or not at all. A short write (a full disk) is completed or, failing that, cut off again, so
    /// the file never keeps half a record.
    func writeRecord(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer,
                     _ third: UnsafeRawBufferPointer, at offset: Int64) throws {
        let total = first.count + second.count + third.count
        // The iovecs live on the stack: no allocation per record.
        let written = withUnsafeTemporaryAllocation(of: iovec.self, capacity: 3) { vectors -> Int in
            var count = 0
            if !first.isEmpty { vectors[count] = Self.vector(first); count += 1 }
            if !second.isEmpty { vectors[count] = Self.vector(second); count += 1 }
            if !third.isEmpty { vectors[count] = Self.vector(third); count += 1 }
            return Self.retryingOnInterrupt { pwritev(descriptor, vectors.baseAddress, Int32(count), off_t(offset)) }
        }
        guard written != total else { return }
        let failure = written < 0 ? errno : 0
        do {
            guard written >= 0 else { throw SpoolError.system(operation: "write", path: path, errno: failure) }
            try writeRemainder(first, second, third, skipping: written, at: offset)
        } catch {
            _ = ftruncate(descriptor, off_t(offset))
            throw error
        }
    }

    /// Writes whole records at `offset`. A failure part-way (a full disk) cuts the file back to `offset`, so it
    /// never keeps part of a record.
    func writeRecords(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        do {
            try write(bytes, at: offset)
        } catch {
            _ = ftruncate(descriptor, off_t(offset))
            throw error
        }
    }

    private static func vector(_ bytes: UnsafeRawBufferPointer) -> iovec {
        iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)  // only read
    }

    /// The rest of a record after a short pwritev (rare: a full disk), part by part.
    private func writeRemainder(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer,
                                _ third: UnsafeRawBufferPointer, skipping done: Int, at offset: Int64) throws {
        var position = offset
        var skip = done
        for part in [first, second, third] {
            let taken = min(skip, part.count)
            skip -= taken
            position += Int64(taken)
            if taken < part.count {
                let rest = UnsafeRawBufferPointer(rebasing: part[taken...])
                try write(rest, at: position)
                position += Int64(rest.count)
            }
        }
    }

    func sync() throws {
        guard Self.retryingOnInterrupt({ fdatasync(descriptor) }) == 0 else {
            throw SpoolError.system(operation: "fsync", path: path, errno: errno)
        }
    }

    func truncate(to size: Int64) throws {
        guard Self.retryingOnInterrupt({ ftruncate(descriptor, off_t(size)) }) == 0 else {
            throw SpoolError.system(operation: "truncate", path: path, errno: errno)
        }
    }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SpoolError.system(operation: "stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// flock(2) LOCK_EX | LOCK_NB: false when another open file description holds it.
    func tryLockExclusively() throws -> Bool {
        if Self.retryingOnInterrupt({ flock(descriptor, LOCK_EX | LOCK_NB) }) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw SpoolError.system(operation: "lock", path: path, errno: errno)
    }

    // MARK: Directories

    /// Creates the directory and any missing parents; the directory itself gets `mode`.
    static func makeDirectory(_ path: String, mode: mode_t) throws {
        var isDirectory = stat()
        if stat(path, &isDirectory) == 0, isDirectory.st_mode & S_IFMT == S_IFDIR { return }
        let parent = parentDirectory(of: path)
        if parent != path, !parent.isEmpty { try makeDirectory(parent, mode: 0o755) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else {
            throw SpoolError.system(operation: "create directory", path: path, errno: errno)
        }
    }

    /// The names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw SpoolError.system(operation: "list directory", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Makes the directory's entries (files created, renamed, removed) durable.
    static func syncDirectory(_ path: String) throws {
        let directory = try open(path, flags: O_RDONLY | O_DIRECTORY)
        guard Self.retryingOnInterrupt({ fsync(directory.descriptor) }) == 0 else {
            throw SpoolError.system(operation: "fsync directory", path: path, errno: errno)
        }
    }

    /// Removes a file; one already gone is fine.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SpoolError.system(operation: "delete", path: path, errno: errno)
        }
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw SpoolError.system(operation: "rename \(from) to", path: to, errno: errno)
        }
    }

    /// The size of the file at `path`, or nil when there is none.
    static func size(of path: String) throws -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SpoolError.system(operation: "stat", path: path, errno: errno)
        }
        return Int64(info.st_size)
    }

    private static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Repeats a system call interrupted by a signal (EINTR) before it did anything.
    @inline(__always)
    static func retryingOnInterrupt<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
