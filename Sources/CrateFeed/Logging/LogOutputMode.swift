/// Where log records go.
public enum LogOutputMode: String, Sendable, CaseIterable {
    /// Native journal entries when stderr is connected to journald (JOURNAL_STREAM matches it, as systemd sets
    /// it for a service), else lines on stderr.
    case auto
    /// Native journal entries through /run/systemd/journal/socket, whatever stderr is.
    case journal
    /// `<N>`-prefixed lines on stderr, whatever stderr is.
    case stderr
}
