/// When appended records are forced to the disk with fdatasync(2). A killed process loses nothing the kernel
/// has; this bounds what a power loss can take.
public enum FsyncPolicy: Equatable, Sendable {
    /// After every append: nothing is lost, at the cost of a disk flush per message.
    case always
    /// At most this many seconds after the first unsynced append. Checked on every append and by
    /// `Spool.syncIfDue()`, which the daemon calls from its timer so a quiet stream is synced too.
    case interval(Double)
    /// The kernel writes back when it likes (typically within 30 s).
    case never
}

public struct SpoolConfiguration: Sendable {
    public var directory: String
    /// A new segment file is started once the current one would grow past this many bytes.
    public var segmentSize: Int = 64 << 20
    /// Unreleased bytes above which `isFull` turns true: the daemon stops reading from the broker.
    public var maxSize: Int64 = 1 << 30
    /// `isFull` turns false again once the unreleased bytes drop below this (hysteresis).
    public var resumeSize: Int64 { maxSize * 8 / 10 }
    public var fsync: FsyncPolicy = .interval(1.0)

    public init(directory: String, segmentSize: Int = 64 << 20, maxSize: Int64 = 1 << 30,
                fsync: FsyncPolicy = .interval(1.0)) {
        self.directory = directory
        self.segmentSize = segmentSize
        self.maxSize = maxSize
        self.fsync = fsync
    }

    /// The smallest segment size accepted; tests use small segments to rotate often.
    static let minimumSegmentSize = 1024

    func validate() throws {
        guard !directory.isEmpty else { throw SpoolError.invalidConfiguration("the spool directory is empty; set [spool] dir") }
        guard segmentSize >= Self.minimumSegmentSize else {
            throw SpoolError.invalidConfiguration("spool segment size \(segmentSize) is below the minimum of \(Self.minimumSegmentSize) bytes")
        }
        guard maxSize > 0 else { throw SpoolError.invalidConfiguration("spool max size \(maxSize) must be positive") }
        if case .interval(let seconds) = fsync, !(seconds > 0 && seconds.isFinite) {
            throw SpoolError.invalidConfiguration("spool fsync interval \(seconds) must be a positive number of seconds")
        }
    }
}
