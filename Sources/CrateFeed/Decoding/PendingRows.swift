/// The rows a decoder built from the current message, held until the whole message has proved good: payloads
/// back to back in one reused buffer, and each row's span and timestamp.
struct PendingRows {
    /// Where the row being built writes its payload.
    var payload = JSONPayloadBuilder()
    private var rows: [(start: Int, end: Int, timestamp: Int64?)] = []
    private var rowStart = 0

    var count: Int { rows.count }

    /// Forgets the previous message's rows, keeping the buffers (unless a huge message made them large).
    mutating func reset() {
        payload.reset()
        rowStart = 0
        if rows.capacity > 1 << 16 {
            rows = []
        } else {
            rows.removeAll(keepingCapacity: true)
        }
    }

    mutating func beginRow() {
        rowStart = payload.count
    }

    mutating func endRow(timestamp: Int64?) {
        rows.append((rowStart, payload.count, timestamp))
    }

    /// Emits every row; the payload pointers are valid during `emit` only.
    func emit(_ emit: (DecodedRow) throws -> Void) throws {
        let buffer = payload.bytes
        for row in rows {
            try emit(DecodedRow(timestamp: row.timestamp, payload: UnsafeRawBufferPointer(rebasing: buffer[row.start..<row.end])))
        }
    }
}
