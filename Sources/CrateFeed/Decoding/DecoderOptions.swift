import Foundation

/// A route's decoding settings, from its `[[route]]` table.
public struct DecoderOptions: Sendable {
    /// The payload field holding the reading's time, split at dots (`"meta.ts"` -> ["meta", "ts"]);
    /// nil: rows take the time of receipt.
    public var timestampPath: [String]?
    /// How to read that field; `.auto` tells epoch units apart by magnitude (see `TimestampParser`).
    public var timestampUnit: TimestampUnit
    /// The zone of date-times written without an offset.
    public var timeZone: TimeZone
    /// JSON fields (dotted paths, split) holding base64 content to store as blobs, replaced by their digest.
    public var blobFields: [[String]]
    /// The unit of line-protocol timestamps (InfluxDB's `precision`); nanoseconds by default.
    public var influxPrecision: TimestampUnit
    /// The deepest JSON nesting accepted; deeper payloads fail. Clamped to 1...1024.
    public var maxDepth: Int

    public init(
        timestampPath: [String]? = nil,
        timestampUnit: TimestampUnit = .auto,
        timeZone: TimeZone = TimeZone(secondsFromGMT: 0)!,
        blobFields: [[String]] = [],
        influxPrecision: TimestampUnit = .ns,
        maxDepth: Int = 64
    ) {
        self.timestampPath = timestampPath
        self.timestampUnit = timestampUnit
        self.timeZone = timeZone
        self.blobFields = blobFields
        self.influxPrecision = influxPrecision
        self.maxDepth = maxDepth
    }
}
