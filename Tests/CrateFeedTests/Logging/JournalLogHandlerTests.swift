import Glibc
import Logging
import Testing
@testable import CrateFeed

@Suite struct JournalLogHandlerTests {
    @Test func writesPrefixedLinesWithMergedMetadata() {
        let capture = LogCapture()
        var logger = capture.logger()
        logger[metadataKey: "route"] = "sensors"
        logger.notice("subscribed", metadata: ["topic": "plant/#", "route": "override"])
        #expect(capture.lines() == ["<5>subscribed route=override topic=plant/#"])
    }

    @Test func repeatedWarningsAreRateLimitedWithACount() {
        let clock = StepClock()
        let capture = LogCapture(rateLimiter: RateLimiter(interval: 10, now: { clock.now }))
        let logger = capture.logger()
        for _ in 0..<4 {
            logger.error("CrateDB rejected the batch", metadata: ["table": "t1"])
            clock.now += 1
        }
        clock.now += 10
        logger.error("CrateDB rejected the batch", metadata: ["table": "t1"])
        #expect(capture.lines() == [
            "<3>CrateDB rejected the batch table=t1",
            "<3>CrateDB rejected the batch (3 similar messages suppressed) table=t1",
        ])
    }

    @Test func rateLimitKeyGroupsMessagesWhoseTextVaries() {
        let capture = LogCapture()
        let logger = capture.logger()
        logger.warning("insert failed after 1 s", metadata: ["ratelimit_key": "insert:t1"])
        logger.warning("insert failed after 2 s", metadata: ["ratelimit_key": "insert:t1"])
        logger.warning("insert failed after 3 s", metadata: ["ratelimit_key": "insert:t2"])
        #expect(capture.lines() == ["<4>insert failed after 1 s", "<4>insert failed after 3 s"])
    }

    @Test func infoAndBelowAreNeverRateLimited() {
        let capture = LogCapture()
        let logger = capture.logger()
        for _ in 0..<3 { logger.info("batch written") }
        #expect(capture.lines().count == 3)
    }

    @Test func sharedLevelFollowsChangesUnlessALoggerSetItsOwn() {
        let capture = LogCapture(level: .info)
        let shared = capture.logger()
        var own = capture.logger()
        own.logLevel = .error
        shared.debug("hidden")
        capture.output.level = .debug
        shared.debug("shown")
        own.warning("hidden too")
        #expect(capture.lines() == ["<7>shown"])
        #expect(shared.logLevel == .debug && own.logLevel == .error)
    }

    @Test func journalStreamMatchesOnlyTheDescriptorItNames() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        var status = stat()
        #expect(fstat(ends[1], &status) == 0)
        let value = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalStream.isJournal(descriptor: ends[1], journalStream: value))
        #expect(!JournalStream.isJournal(descriptor: ends[1], journalStream: "\(status.st_dev):\(status.st_ino + 1)"))
        #expect(!JournalStream.isJournal(descriptor: ends[1], journalStream: nil))
        #expect(!JournalStream.isJournal(descriptor: ends[1], journalStream: "garbage"))
        #expect(!JournalStream.isJournal(descriptor: -1, journalStream: value))
    }

    @Test func forcedModesPickTheirDestination() {
        #expect(LogOutput(mode: .journal).isJournal)
        #expect(!LogOutput(mode: .stderr).isJournal)
    }
}
