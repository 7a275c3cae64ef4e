/// One spooled MQTT message, as a reader returns it. A view into the reader's buffer: valid until the next call
/// on that reader; copy what must outlive it.
public struct SpoolRecord {
    /// Where the record starts.
    public let position: SpoolPosition
    /// Microseconds since 1970, UTC, fixed when the message was spooled.
    public let receivedAt: Int64
    public let qos: UInt8
    public let topic: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer

    /// The topic as a String (allocates).
    public var topicString: String { String(decoding: topic, as: UTF8.self) }
}
