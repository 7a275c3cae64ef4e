import Glibc
import Logging
@testable import CrateFeed

/// A `LogOutput` writing stderr-style lines into a pipe the test reads back: the real line-writing path.
final class LogCapture: @unchecked Sendable {
    let output: LogOutput
    private let readEnd: Int32
    private let writeEnd: Int32

    init(level: Logger.Level = .trace, rateLimiter: RateLimiter = RateLimiter()) {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0, "pipe failed")
        readEnd = ends[0]
        writeEnd = ends[1]
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
        output = LogOutput(destination: .lines(writeEnd), level: level, rateLimiter: rateLimiter)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func logger(_ label: String = "test") -> Logger {
        Logger(label: label) { [output] label in JournalLogHandler(label: label, output: output) }
    }

    /// Every line written so far (each write is complete before `log` returns), without the trailing newline.
    func lines() -> [String] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readEnd, &chunk, chunk.count)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// A clock the test moves by hand.
final class StepClock: @unchecked Sendable {
    var now: Double

    init(_ now: Double = 1000) {
        self.now = now
    }
}
