/// `[batch]`: when rows are flushed to CrateDB, and how many bulk requests run at once.
public struct BatchSettings: Sendable, Equatable {
    /// A batch is flushed at `maxRows` rows, `maxBytes` of request body or `maxDelay` seconds after its first
    /// row, whichever comes first.
    public var maxRows = 5000
    public var maxBytes: Int64 = 4 << 20
    public var maxDelay: Double = 1
    /// Concurrent bulk requests; 0 = one per configured server (see `Configuration.batchesInFlight`).
    public var inFlight = 0
    /// Seconds allowed on SIGTERM/SIGINT to stop reading, flush and disconnect; what is left stays in the spool.
    public var shutdownTimeout: Double = 20

    public init() {}

    init(reading reader: ConfigTableReader) {
        maxRows = reader.integer("max_rows", minimum: 1, maximum: 1_000_000) ?? maxRows
        // CrateDB refuses request bodies over http.max_content_length, 100MB by default.
        maxBytes = reader.size("max_bytes", maximum: 100_000_000) ?? maxBytes
        maxDelay = reader.duration("max_delay") ?? maxDelay
        inFlight = reader.integer("in_flight", minimum: 0, maximum: 256) ?? inFlight
        shutdownTimeout = reader.duration("shutdown_timeout") ?? shutdownTimeout
        reader.reportUnknownKeys()
    }

    func write(to writer: inout ConfigTOMLWriter, servers: Int) {
        writer.section("batch")
        writer.integer("max_rows", maxRows)
        writer.size("max_bytes", maxBytes)
        writer.duration("max_delay", maxDelay)
        writer.integer("in_flight", inFlight, comment: inFlight == 0 ? "one per server: \(servers)" : nil)
        writer.duration("shutdown_timeout", shutdownTimeout)
    }
}
