import Glibc

/// A request body as libcurl pulls it (CURLOPT_READFUNCTION), rewindable (CURLOPT_SEEKFUNCTION) so that a
/// redirect or a resend after a reused connection went stale can send it again from the start.
/// Files are read as they are sent, a buffer at a time, never held in memory.
/// Used on the event-loop thread only, after `init`.
final class UploadSource {
    private enum Storage {
        case bytes([UInt8])
        case file(descriptor: Int32, path: String)
    }

    private let storage: Storage
    private var offset = 0  // into `.bytes`; a file keeps its own offset
    let size: Int64
    /// Why the last `read` failed; the transfer reports it instead of libcurl's generic "aborted by callback".
    private(set) var failure: TransportError?

    init(bytes: [UInt8]) {
        storage = .bytes(bytes)
        size = Int64(bytes.count)
    }

    init(filePath path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.fileError(path, "cannot open") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = Self.fileError(path, "cannot stat")
            close(descriptor)
            throw error
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw TransportError.file(path: path, "not a regular file")
        }
        storage = .file(descriptor: descriptor, path: path)
        size = Int64(status.st_size)
    }

    deinit {
        if case .file(let descriptor, _) = storage { close(descriptor) }
    }

    /// Fills the start of `buffer`; returns the byte count (0 at the end), or nil after a read error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        switch storage {
        case .bytes(let bytes):
            let count = min(buffer.count, bytes.count - offset)
            bytes.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
            }
            offset += count
            return count
        case .file(let descriptor, let path):
            while true {
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno == EINTR { continue }
                failure = Self.fileError(path, "cannot read")
                return nil
            }
        }
    }

    /// Moves to `position` from the start; false when that is not possible.
    func seek(to position: Int64) -> Bool {
        guard position >= 0, position <= size else { return false }
        switch storage {
        case .bytes:
            offset = Int(position)
            return true
        case .file(let descriptor, _):
            return lseek(descriptor, off_t(position), SEEK_SET) == off_t(position)
        }
    }

    private static func fileError(_ path: String, _ action: String) -> TransportError {
        .file(path: path, "\(action): \(String(cString: strerror(errno)))")
    }
}
