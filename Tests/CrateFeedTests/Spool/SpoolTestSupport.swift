import Foundation
import Synchronization
@testable import CrateFeed

/// A fresh directory for one test's spool, removed when the test is done with it.
final class TemporarySpoolDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/spool-test-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The spool's own directory inside (Spool creates it).
    var spool: String { path + "/spool" }

    func configuration(segmentSize: Int = 64 << 20, maxSize: Int64 = 1 << 30,
                       fsync: FsyncPolicy = .never) -> SpoolConfiguration {
        SpoolConfiguration(directory: spool, segmentSize: segmentSize, maxSize: maxSize, fsync: fsync)
    }

    func segmentFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? [])
            .filter { SpoolRecordFormat.segmentID(fileName: $0) != nil }.sorted()
    }

    func bytes(of file: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: spool + "/" + file) ?? Data())
    }

    func write(_ bytes: [UInt8], to file: String) {
        precondition(FileManager.default.createFile(atPath: spool + "/" + file, contents: Data(bytes)))
    }
}

/// A message as the tests write and read it.
struct TestMessage: Equatable, CustomStringConvertible {
    var topic: String
    var payload: [UInt8]
    var receivedAt: Int64
    var qos: UInt8

    /// Message `n` of a deterministic stream with varied topic and payload sizes (empty payloads included).
    static func numbered(_ n: Int) -> TestMessage {
        let size = (n * 37) % 300
        let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: size) + Array("#\(n)".utf8)
        return TestMessage(topic: "sensors/dev\(n % 13)/temp", payload: n % 17 == 0 ? [] : payload,
                           receivedAt: 1_767_225_600_000_000 + Int64(n), qos: UInt8(n % 3))
    }

    init(topic: String, payload: [UInt8], receivedAt: Int64, qos: UInt8) {
        self.topic = topic
        self.payload = payload
        self.receivedAt = receivedAt
        self.qos = qos
    }

    init(_ record: SpoolRecord) {
        self.init(topic: record.topicString, payload: Array(record.payload), receivedAt: record.receivedAt, qos: record.qos)
    }

    var description: String { "\(topic) (\(payload.count) bytes)" }
}

extension Spool {
    @discardableResult
    func append(_ message: TestMessage) throws -> SpoolPosition {
        try Array(message.topic.utf8).withUnsafeBytes { topic in
            try message.payload.withUnsafeBytes { payload in
                try append(topic: topic, payload: payload, receivedAt: message.receivedAt, qos: message.qos)
            }
        }
    }
}

extension SpoolReader {
    /// Every record up to the current end, with its position.
    func readAll() throws -> [(position: SpoolPosition, message: TestMessage)] {
        var records: [(SpoolPosition, TestMessage)] = []
        while let record = try next() { records.append((record.position, TestMessage(record))) }
        return records
    }
}

/// One encoded record, as the spool writes it.
func encodedRecord(_ message: TestMessage) -> [UInt8] {
    let topic = Array(message.topic.utf8)
    var prefix = [UInt8](repeating: 0, count: SpoolRecordFormat.prefixSize)
    topic.withUnsafeBytes { topicBytes in
        message.payload.withUnsafeBytes { payloadBytes in
            prefix.withUnsafeMutableBytes {
                SpoolRecordFormat.encodePrefix(into: $0, receivedAt: message.receivedAt, qos: message.qos,
                                               topic: topicBytes, payload: payloadBytes)
            }
        }
    }
    return prefix + topic + message.payload
}

/// A segment source over bytes in memory.
struct MemorySegmentSource: SpoolSegmentSource {
    let bytes: [UInt8]

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset < Int64(bytes.count) else { return 0 }
        let count = min(buffer.count, bytes.count - Int(offset))
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<(Int(offset) + count)])) }
        return count
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let now = Mutex<UInt64>(1_000_000_000)

    var read: @Sendable () -> UInt64 { { [self] in now.withLock { $0 } } }

    func advance(seconds: Double) {
        now.withLock { $0 += UInt64(seconds * 1_000_000_000) }
    }
}

/// A deterministic pseudo-random generator (SplitMix64), so a failing case can be run again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
