import Foundation
import Testing
@testable import CrateFeed

/// kill -9 of a process appending to the spool: nothing it acknowledged is lost, nothing is doubled, and the spool
/// opens cleanly every time. The writer is this test binary itself, run again on `writerProcess` alone.
@Suite struct SpoolKillTests {
    private static let directoryVariable = "CRATEFEED_SPOOL_KILL_WRITER_DIR"
    private struct WriterFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private static var writerDirectory: String? { ProcessInfo.processInfo.environment[directoryVariable] }

    private static func payload(_ sequence: Int) -> [UInt8] { Array("reading \(sequence)".utf8) }

    private static func sequence(of record: TestMessage) -> Int? {
        Int(String(decoding: record.payload, as: UTF8.self).dropFirst("reading ".count))
    }

    /// The writer (only in the child): continues the sequence where the spool ends and appends until killed,
    /// printing "ack N" once append(N) has returned. Releases as it goes so checkpoints are written mid-stream.
    @Test(.enabled(if: writerDirectory != nil)) func writerProcess() throws {
        let spool = try Spool(configuration: SpoolConfiguration(directory: Self.writerDirectory!, segmentSize: 16 << 10,
                                                                fsync: .never))
        var next = 0
        var positions: [SpoolPosition] = []
        let reader = spool.makeReader()
        while let record = try reader.next() {
            next = (Self.sequence(of: TestMessage(record)) ?? -1) + 1
        }
        let deadline = Date().addingTimeInterval(120)  // in case the parent is gone without killing us
        while Date() < deadline {
            let position = try spool.append(TestMessage(topic: "kill/test", payload: Self.payload(next),
                                                        receivedAt: Int64(next), qos: 1))
            positions.append(position)
            let line = Array("ack \(next)\n".utf8)
            guard line.withUnsafeBytes({ write(1, $0.baseAddress, $0.count) }) == line.count else { return }
            if positions.count == 400 {
                try spool.release(upTo: positions[200])
                positions.removeFirst(200)
            }
            next += 1
        }
    }

    @Test func killedWriterLosesNothingItAcknowledged() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SPOOL_KILL_ROUNDS"] ?? "") ?? 6
        let seed = UInt64(ProcessInfo.processInfo.environment["SPOOL_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var generator = SeededGenerator(state: seed)
        let directory = TemporarySpoolDirectory()
        var highestAcknowledged = -1

        for _ in 0..<rounds {
            let acknowledgements = Int.random(in: 50...3000, using: &generator)
            highestAcknowledged = max(highestAcknowledged, try runWriter(directory: directory.spool, until: acknowledgements))

            // Open as the restarted daemon would.
            let spool = try Spool(configuration: directory.configuration(segmentSize: 16 << 10))
            let records = try spool.makeReader().readAll()
            let sequences = records.compactMap { Self.sequence(of: $0.message) }
            #expect(sequences.count == records.count)
            #expect(spool.badRecords == [], "seed \(seed)")
            try spool.close()
            let first = try #require(sequences.first)
            #expect(sequences == Array(first..<(first + sequences.count)), "gap or duplicate, seed \(seed)")
            #expect(first + sequences.count - 1 >= highestAcknowledged, "an acknowledged reading was lost, seed \(seed)")
        }
        print("spool kill test: \(rounds) kill -9s, \(highestAcknowledged + 1) readings acknowledged, none lost or doubled (seed \(seed))")
    }

    /// Runs the writer until it acknowledged `count` readings, kills it with SIGKILL, and returns the highest
    /// sequence number it acknowledged.
    private func runWriter(directory: String, until count: Int) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["--testing-library", "swift-testing", "--filter", "SpoolKillTests/writerProcess"]
        process.environment = ProcessInfo.processInfo.environment.merging([Self.directoryVariable: directory]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        var acknowledged: [Int] = []
        var pending: [UInt8] = []
        let descriptor = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(60)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        func readAcknowledgements(waitingMilliseconds: Int32) -> Bool {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, waitingMilliseconds) > 0 else { return false }
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard got > 0 else { return false }
            pending += buffer[..<got]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasPrefix("ack "), let sequence = Int(line.dropFirst(4)) { acknowledged.append(sequence) }
            }
            return true
        }
        while acknowledged.count < count {
            guard Date() < deadline else { throw WriterFailure(message: "the writer process stopped acknowledging") }
            guard readAcknowledgements(waitingMilliseconds: 1000) || process.isRunning else {
                throw WriterFailure(message: "the writer process exited with status \(process.terminationStatus)")
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        while readAcknowledgements(waitingMilliseconds: 0) {}  // what it printed before it died counts too
        #expect(acknowledged == Array(acknowledged[0]..<(acknowledged[0] + acknowledged.count)))
        return acknowledged.last!
    }
}
