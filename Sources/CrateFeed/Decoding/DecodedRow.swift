/// One row a decoder produced from a message. Its buffers belong to the decoder or to the message and are
/// valid only during the `emit` callback: copy what must outlive it.
public struct DecodedRow {
    /// Epoch milliseconds from the payload; nil means "use the time of receipt".
    public var timestamp: Int64?
    /// Compact JSON object text for the row's OBJECT column `payload` (for `json` routes the object as it arrived).
    public var payload: UnsafeRawBufferPointer
    /// Blobs this row names (a JSON route's `blob_fields`); empty, and not allocated, in the common case.
    public var blobs: [DecodedBlob]

    public init(timestamp: Int64?, payload: UnsafeRawBufferPointer, blobs: [DecodedBlob] = []) {
        self.timestamp = timestamp
        self.payload = payload
        self.blobs = blobs
    }
}
