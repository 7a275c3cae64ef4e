/// Records encoded in memory, in order, for `Spool.append(_:)` to write together: the MQTT thread gathers the
/// messages of one burst of reads here and writes them with one pwrite(2) before any of them is acknowledged.
/// One write per burst instead of one per message is the difference between a syscall per reading and a few
/// per thousand at full speed.
///
/// Reused: emptying it keeps its capacity, so a steady stream allocates nothing.
public struct SpoolAppendBuffer {
    /// Records are encoded back to back, exactly as they go on disk.
    private(set) var bytes: [UInt8] = []
    /// The length of each record, so the spool can rotate between any two of them.
    private(set) var lengths: [Int] = []
    /// What the buffer holds at most before its owner should write it out. A bigger record does not go
    /// through a buffer (see `accepts`): one large payload must not keep a large buffer alive.
    public let limit: Int

    public init(limit: Int = 256 << 10) {
        self.limit = limit
        bytes.reserveCapacity(limit)
    }

    public var isEmpty: Bool { lengths.isEmpty }
    public var count: Int { lengths.count }
    public var byteCount: Int { bytes.count }

    /// Whether a record for this topic and payload fits beside what the buffer holds; false means: write the
    /// buffer out first, and append a record bigger than `limit` on its own with `Spool.append(topic:...)`.
    public func accepts(topicLength: Int, payloadLength: Int) -> Bool {
        guard let length = SpoolRecordFormat.recordLength(topicLength: topicLength, payloadLength: payloadLength)
        else { return false }
        return bytes.count + length <= limit
    }

    /// Encodes one record at the end; the same checks as `Spool.append(topic:payload:receivedAt:qos:)`.
    public mutating func add(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, receivedAt: Int64,
                             qos: UInt8) throws {
        guard let length = SpoolRecordFormat.recordLength(topicLength: topic.count, payloadLength: payload.count) else {
            throw SpoolError.recordTooLarge(topic: String(decoding: topic.prefix(200), as: UTF8.self),
                                            topicBytes: topic.count, payloadBytes: payload.count)
        }
        guard qos <= 2 else { throw SpoolError.invalidQoS(topic: String(decoding: topic.prefix(200), as: UTF8.self), qos: qos) }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: SpoolRecordFormat.prefixSize))
        bytes.append(contentsOf: topic)
        bytes.append(contentsOf: payload)
        bytes.withUnsafeMutableBytes { all in
            SpoolRecordFormat.encodePrefix(
                into: UnsafeMutableRawBufferPointer(rebasing: all[start..<start + SpoolRecordFormat.prefixSize]),
                receivedAt: receivedAt, qos: qos, topic: topic, payload: payload)
        }
        lengths.append(length)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
    }
}
