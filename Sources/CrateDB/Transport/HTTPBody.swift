/// What a request sends after its head.
public enum HTTPBody: Sendable {
    case none
    /// Sent from memory; gzip-compressed when at least `TransportConfiguration.gzipThreshold` bytes.
    case bytes([UInt8])
    /// Streamed from disk as it is sent (never held in memory), with `Content-Length` set from the file size
    /// and `Expect: 100-continue`, so a node can answer 307 before the body goes out.
    case file(path: String)
}
