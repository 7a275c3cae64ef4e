import Logging

/// cratefeed's swift-log handler: native journal entries under journald, `<N>`-prefixed lines on stderr
/// otherwise (systemd reads the prefix as the priority).
///
/// Journal entries carry MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=cratefeed, CODE_FILE/LINE/FUNC of the log call,
/// every metadata key as a CRATEFEED_<KEY> field (`topic` -> CRATEFEED_TOPIC) and, for a `CrateFeedEvent`,
/// its MESSAGE_ID. Metadata keys that mention a password, secret, token or authorization are dropped.
/// Warnings and worse are rate-limited: the same text (or the same `ratelimit_key` metadata) at most once per
/// interval, the next one saying how many were held back.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogOutput
    /// Set when this logger chose its own level; otherwise the shared level applies (and follows reloads).
    private var ownLevel: Logger.Level?

    public init(label: String, output: LogOutput, metadataProvider: Logger.MetadataProvider? = nil) {
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? output.level }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var suppressed = 0
        if event.level >= .warning {
            let key = event.metadata?[LogRecord.rateLimitKey] ?? metadata[LogRecord.rateLimitKey]
            let group = key.map(LogRecord.render) ?? event.message.description
            guard let held = output.rateLimiter.admit("\(event.level.rawValue)|\(group)") else { return }
            suppressed = held
        }
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let call = event.metadata {
            merged.merge(call) { _, new in new }
        }
        output.write(LogRecord(event: event, metadata: merged, suppressed: suppressed))
    }
}
