import Glibc

/// Whether a descriptor is the stream systemd connected to journald: systemd sets JOURNAL_STREAM to
/// `<device>:<inode>` of the service's stdout/stderr when they go to the journal (systemd.exec(5)). Comparing
/// it with fstat(2) of stderr tells a service from a shell that merely inherited the variable.
enum JournalStream {
    static func isJournal(descriptor: Int32, journalStream: String?) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// For stderr and this process's JOURNAL_STREAM.
    static func stderrIsJournal() -> Bool {
        isJournal(descriptor: STDERR_FILENO, journalStream: getenv("JOURNAL_STREAM").map { String(cString: $0) })
    }
}
