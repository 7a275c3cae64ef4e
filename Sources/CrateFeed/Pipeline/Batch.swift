import CrateDB

/// A blob a batch's rows name; it is stored before the rows are sent.
struct PendingBlob {
    let table: String
    let digest: String
    let bytes: [UInt8]
}

/// Rows for one table, written straight into the bytes of one `/_sql` bulk request:
/// `{"stmt":"INSERT ...","bulk_args":[[...],[...]]}`. Each row's text is remembered by its range, so that a
/// request CrateDB rejects as a whole can be split, and a row it rejects can be dead-lettered as it was sent.
final class Batch {
    /// Which of the pipeline's statements this batch is for.
    let slot: Int
    let table: String
    let isDeadLetter: Bool
    private let prefixLength: Int
    private(set) var body: [UInt8]
    private(set) var rowRanges: [Range<Int>] = []
    /// The route each row came from (index into the configuration's routes; -1 for none), for dead letters.
    private(set) var rowRoutes: [Int32] = []
    /// When each row's message was received (milliseconds since the epoch), for the latency statistics.
    private(set) var rowReceivedAt: [Int64] = []
    /// Where each row's message is in the spool (nil for rows made here, such as dead letters), so that a row
    /// CrateDB rejects is dead-lettered with the message as it arrived. The spool keeps it until the batch is
    /// confirmed.
    private(set) var rowMessages: [SpoolPosition?] = []
    private(set) var blobs: [PendingBlob] = []
    /// The spool position of the oldest message with rows here: the spool may not be released past it
    /// until this batch is confirmed.
    let oldest: SpoolPosition
    let openedAt: Double
    private var rowStart = 0

    init(slot: Int, table: String, statement: String, isDeadLetter: Bool, oldest: SpoolPosition, capacity: Int) {
        self.slot = slot
        self.table = table
        self.isDeadLetter = isDeadLetter
        self.oldest = oldest
        openedAt = MonotonicClock.now()
        body = []
        body.reserveCapacity(capacity)
        body.append(contentsOf: #"{"stmt":"#.utf8)
        JSONWriter.writeString(statement, into: &body)
        body.append(contentsOf: #","bulk_args":["#.utf8)
        prefixLength = body.count
    }

    var rowCount: Int { rowRanges.count }
    var byteCount: Int { body.count }

    /// Opens a row; the caller writes its values separated by commas, then calls `endRow`.
    func beginRow() {
        if !rowRanges.isEmpty { body.append(UInt8(ascii: ",")) }
        rowStart = body.count
        body.append(UInt8(ascii: "["))
    }

    func endRow(route: Int = -1, receivedAt: Int64 = 0, message: SpoolPosition? = nil) {
        body.append(UInt8(ascii: "]"))
        rowRanges.append(rowStart..<body.count)
        rowRoutes.append(Int32(route))
        rowReceivedAt.append(receivedAt)
        rowMessages.append(message)
    }

    /// Drops a row that was begun but could not be completed.
    func abandonRow() {
        body.removeSubrange((rowRanges.isEmpty ? rowStart : rowStart - 1)...)
    }

    /// Appends bytes inside the current row.
    @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) {
        body.append(contentsOf: bytes)
    }

    @inline(__always) func append(_ byte: UInt8) {
        body.append(byte)
    }

    /// Writes inside the current row with the JSON writer's functions.
    func withBody<T>(_ work: (inout [UInt8]) -> T) -> T {
        work(&body)
    }

    func add(_ blob: PendingBlob) {
        blobs.append(blob)
    }

    private var isSealed = false

    /// The complete request body for all rows. The batch takes no more rows after this; the bytes are shared,
    /// not copied.
    func requestBody() -> [UInt8] {
        if !isSealed {
            body.append(contentsOf: "]}".utf8)
            isSealed = true
        }
        return body
    }

    /// A request body for a subset of the rows, to isolate the ones CrateDB rejects.
    func requestBody(rows: Range<Int>) -> [UInt8] {
        var request = Array(body[0..<prefixLength])
        for (position, row) in rows.enumerated() {
            if position > 0 { request.append(UInt8(ascii: ",")) }
            request.append(contentsOf: body[rowRanges[row]])
        }
        request.append(contentsOf: "]}".utf8)
        return request
    }

    /// One row's JSON text as it was sent: `["<id>", ts, ...]`.
    func rowText(_ row: Int) -> String {
        String(decoding: body[rowRanges[row]], as: UTF8.self)
    }
}
