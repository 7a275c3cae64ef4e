/// `[spool]`: the on-disk write-ahead spool between MQTT and CrateDB.
public struct SpoolSettings: Sendable, Equatable {
    /// When appended readings are forced to disk.
    public enum FsyncPolicy: String, Sendable, CaseIterable {
        /// After every reading: nothing lost on power loss, slowest.
        case always
        /// At most every `fsyncInterval`: power loss loses at most that much.
        case interval
        /// Left to the kernel: survives a crash of cratefeed, not of the machine.
        case never
    }

    public var directory = "/var/lib/cratefeed"
    /// When the spool holds this much, cratefeed stops reading from the broker until it drains.
    public var maxSize: Int64 = 1 << 30
    public var segmentSize: Int64 = 64 << 20
    public var fsync: FsyncPolicy = .interval
    /// Seconds; defaults to `batch.max_delay`.
    public var fsyncInterval: Double = 1

    public init() {}

    /// `defaultFsyncInterval` is `batch.max_delay`: by default the spool is synced once per batch interval.
    init(reading reader: ConfigTableReader, defaultFsyncInterval: Double) {
        fsyncInterval = defaultFsyncInterval
        directory = reader.text("dir") ?? directory
        maxSize = reader.size("max_size") ?? maxSize
        segmentSize = reader.size("segment_size") ?? segmentSize
        reader.require(
            segmentSize <= maxSize, "segment_size",
            "\(ByteSizeText.format(segmentSize)) is larger than max_size (\(ByteSizeText.format(maxSize)))")
        fsync = reader.choice("fsync") ?? fsync
        if reader.contains("fsync_interval") {
            fsyncInterval = reader.duration("fsync_interval") ?? fsyncInterval
            reader.require(
                fsync == .interval, "fsync_interval", "is only used with fsync = \"interval\"; remove it or set fsync")
        }
        reader.reportUnknownKeys()
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("spool")
        writer.string("dir", directory)
        writer.size("max_size", maxSize)
        writer.size("segment_size", segmentSize)
        writer.string("fsync", fsync.rawValue)
        if fsync == .interval { writer.duration("fsync_interval", fsyncInterval) }
    }
}
