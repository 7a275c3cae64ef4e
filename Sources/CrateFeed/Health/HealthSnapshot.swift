/// What the daemon reports about itself at one moment, for the STATUS= line. The daemon builds one whenever
/// `HealthReporter` asks (every status interval), from its own counters: it must be quick and not block.
public struct HealthSnapshot: Sendable, Equatable {
    public enum MQTTState: Sendable, Equatable {
        /// Before the first connection is up.
        case connecting
        case connected
        /// The connection dropped; libmosquitto is reconnecting.
        case reconnecting
        /// Backpressure: the spool is full, so reading from the broker is paused until the writer catches up.
        case paused
        /// The spool failed a write (a full disk, say): reading is paused, and retried with growing waits.
        case spoolUnwritable
    }

    /// Readings accepted from MQTT since start: a counter that only grows. The reporter turns it into
    /// readings/s over each status interval.
    public var readingsReceived: UInt64
    /// Readings in the spool not yet written to CrateDB.
    public var backlogRecords: Int
    /// Bytes the spool holds on disk.
    public var spoolBytes: Int64
    public var crateDBNodesUp: Int
    public var crateDBNodesTotal: Int
    public var mqtt: MQTTState
    /// Readings given up on (rejected by CrateDB, undecodable) since start.
    public var deadLetters: Int
    /// True once SIGTERM has started the drain.
    public var draining: Bool
    /// Receipt to CrateDB's confirmation of every stored reading since start; the reporter shows the p99 of each
    /// status interval.
    var latency = LatencyHistogram()

    /// Nothing yet: connecting, no nodes, no readings.
    public static let empty = HealthSnapshot()

    public init(
        readingsReceived: UInt64 = 0, backlogRecords: Int = 0, spoolBytes: Int64 = 0,
        crateDBNodesUp: Int = 0, crateDBNodesTotal: Int = 0, mqtt: MQTTState = .connecting,
        deadLetters: Int = 0, draining: Bool = false
    ) {
        self.readingsReceived = readingsReceived
        self.backlogRecords = backlogRecords
        self.spoolBytes = spoolBytes
        self.crateDBNodesUp = crateDBNodesUp
        self.crateDBNodesTotal = crateDBNodesTotal
        self.mqtt = mqtt
        self.deadLetters = deadLetters
        self.draining = draining
    }
}
