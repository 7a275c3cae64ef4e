/// Turns one MQTT message payload into zero or more rows.
///
/// A decoder validates the whole message before it emits any row: one bad element fails the message with a
/// `DecodeError` and nothing of it is emitted. Decoders keep scratch buffers between messages (hence
/// `mutating`), so one instance serves one thread.
public protocol PayloadDecoder {
    mutating func decode(_ payload: UnsafeRawBufferPointer, emit: (DecodedRow) throws -> Void) throws

    /// The same, for a message received at `receivedAt` (epoch ms): the reference of SenML's relative times,
    /// so that a replay from the spool gives the same rows. Decoders that need no clock ignore it.
    mutating func decode(_ payload: UnsafeRawBufferPointer, receivedAt: Int64, emit: (DecodedRow) throws -> Void) throws
}

extension PayloadDecoder {
    public mutating func decode(_ payload: UnsafeRawBufferPointer, receivedAt: Int64, emit: (DecodedRow) throws -> Void) throws {
        try decode(payload, emit: emit)
    }
}
