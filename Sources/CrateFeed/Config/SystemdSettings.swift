/// `[systemd]`. The watchdog cadence is not configured here: it comes from `WATCHDOG_USEC`.
public struct SystemdSettings: Sendable, Equatable {
    /// Seconds between STATUS= updates.
    public var statusInterval: Double = 5

    public init() {}

    init(reading reader: ConfigTableReader) {
        statusInterval = reader.duration("status_interval") ?? statusInterval
        reader.reportUnknownKeys()
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("systemd")
        writer.duration("status_interval", statusInterval)
    }
}
