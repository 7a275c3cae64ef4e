import Logging

/// `[log]`.
public struct LogSettings: Sendable, Equatable {
    /// trace, debug, info, notice, warning, error or critical; `--log-level` overrides it.
    public var level: Logger.Level = .info

    public init() {}

    init(reading reader: ConfigTableReader) {
        level = reader.choice("level") ?? level
        reader.reportUnknownKeys()
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("log")
        writer.string("level", level.rawValue)
    }
}
