import Logging

/// `[log]`.
public struct LogSettings: Sendable, Equatable {
    /// trace, debug, info, notice, warning, error or critical; `--log-level` overrides it.
    public var level: Logger.Level = .info
    /// auto: native journal entries when stderr is the journal stream systemd set up for the service, else
    /// `<N>` lines on stderr; journal: native entries through journald's socket whenever it is there (for a
    /// service whose stderr goes elsewhere); stderr: always lines.
    public var output: LogOutputMode = .auto

    public init() {}

    init(reading reader: ConfigTableReader) {
        level = reader.choice("level") ?? level
        output = reader.choice("output") ?? output
        reader.reportUnknownKeys()
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("log")
        writer.string("level", level.rawValue)
        writer.string("output", output.rawValue)
    }
}
