import CMosquitto
import Glibc

/// The filters subscribed last time, kept in `<stateDirectory>/subscriptions`, one per line.
///
/// A persistent session keeps its subscriptions at the broker, so a filter removed from the configuration
/// would go on delivering (Telegraf's bug #9703). On connect the client unsubscribes the remembered filters
/// that are no longer configured, subscribes the configured ones, then saves them here.
struct MQTTSubscriptionMemory {
    let path: String

    init(directory: String) {
        path = directory.hasSuffix("/") ? directory + "subscriptions" : directory + "/subscriptions"
    }

    struct FileError: Error, CustomStringConvertible {
        let description: String
    }

    /// The remembered filters; none when the file does not exist yet. Lines that are not valid filters
    /// (a hand-edited or damaged file) are left out rather than sent to the broker.
    func load() throws -> [String] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return [] }
            throw failure("cannot read")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            // A subscriptions file is small; a huge one is not ours.
            guard bytes.count <= 16 << 20 else { throw FileError(description: "\(path) is larger than 16 MiB") }
        }
        return bytes.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
            .filter { mosquitto_sub_topic_check($0) == MOSQ_ERR_SUCCESS.rawValue }
    }

    /// Replaces the file atomically: a temporary file, fsync, rename, fsync of the directory. A crash leaves
    /// the old list or the new one, never half of one.
    func save(_ filters: [String]) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot write", temporary) }
        var text = Array(filters.map { $0 + "\n" }.joined().utf8)
        var written = 0
        while written < text.count {
            let count = text.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        text.removeAll()
        guard fsync(descriptor) == 0 else {
            let error = failure("cannot flush", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot replace")
            unlink(temporary)
            throw error
        }
        let directory = open(String(path.dropLast("subscriptions".count)), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// The remembered filters the configuration no longer has.
    static func stale(remembered: [String], configured: [String]) -> [String] {
        let current = Set(configured)
        var seen = Set<String>()
        return remembered.filter { !current.contains($0) && seen.insert($0).inserted }
    }

    private func failure(_ what: String, _ file: String? = nil) -> FileError {
        FileError(description: "\(what) \(file ?? path): \(String(cString: strerror(errno)))")
    }
}
