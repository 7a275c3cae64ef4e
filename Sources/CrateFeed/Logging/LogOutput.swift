import Glibc
import Logging
import Synchronization

/// What all of cratefeed's log handlers share: the destination (journal or stderr lines), the process-wide
/// level (changed on SIGHUP reload) and the rate limiter.
public final class LogOutput: Sendable {
    enum Destination: Sendable, Equatable {
        case journal
        /// `<N>`-prefixed lines written to this descriptor (stderr in production, a pipe in tests).
        case lines(Int32)
    }

    let destination: Destination
    let rateLimiter: RateLimiter
    private let levelIndex: Atomic<Int>
    private let lineLock = Mutex(())
    private let journalFailureReported = Atomic<Bool>(false)

    /// - Parameters:
    ///   - mode: `.auto` picks the journal when stderr is the journal stream systemd set up for the service.
    ///   - rateLimitInterval: warnings and worse with the same text (or `ratelimit_key`) get through at most
    ///     once per this many seconds.
    public convenience init(
        mode: LogOutputMode = .auto, level: Logger.Level = .info, rateLimitInterval: Double = 10
    ) {
        let journal: Bool
        switch mode {
        case .auto: journal = JournalStream.stderrIsJournal()
        case .journal: journal = true
        case .stderr: journal = false
        }
        self.init(destination: journal ? .journal : .lines(STDERR_FILENO), level: level,
                  rateLimiter: RateLimiter(interval: rateLimitInterval))
    }

    init(destination: Destination, level: Logger.Level, rateLimiter: RateLimiter) {
        self.destination = destination
        self.rateLimiter = rateLimiter
        self.levelIndex = Atomic(Self.index(of: level))
    }

    /// True when records go to journald natively.
    public var isJournal: Bool { destination == .journal }

    /// The level of every logger that has not set its own.
    public var level: Logger.Level {
        get { Logger.Level.allCases[levelIndex.load(ordering: .relaxed)] }
        set { levelIndex.store(Self.index(of: newValue), ordering: .relaxed) }
    }

    func write(_ record: LogRecord) {
        switch destination {
        case .journal:
            do {
                try JournalWriter.send(record.journalFields)
            } catch {
                // journald gone (restarting, or the socket is not there): the record still goes to stderr,
                // which under systemd reaches the journal through the stream when journald is back.
                if !journalFailureReported.exchange(true, ordering: .relaxed) {
                    writeLine("<4>\(error); writing log lines to stderr when that happens\n", to: STDERR_FILENO)
                }
                writeLine(record.stderrLine, to: STDERR_FILENO)
            }
        case .lines(let descriptor):
            writeLine(record.stderrLine, to: descriptor)
        }
    }

    /// One write(2) per line under a lock, so lines from different threads never interleave.
    private func writeLine(_ line: String, to descriptor: Int32) {
        var line = line
        line.withUTF8 { bytes in
            lineLock.withLock { _ in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return  // stderr closed or full disk: nowhere left to report it
                    }
                }
            }
        }
    }

    private static func index(of level: Logger.Level) -> Int {
        Logger.Level.allCases.firstIndex(of: level)!
    }
}
