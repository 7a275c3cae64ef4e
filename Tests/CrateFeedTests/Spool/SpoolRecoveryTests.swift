import Foundation
import Testing
@testable import CrateFeed

/// Opening a spool that a crash, a power loss or a bad disk left behind.
@Suite struct SpoolRecoveryTests {
    /// What a killed process leaves: the newest segment not sealed (its header's record count all ones).
    private func unseal(_ directory: TemporarySpoolDirectory, _ file: String) {
        var bytes = directory.bytes(of: file)
        bytes.replaceSubrange(8..<16, with: [UInt8](repeating: 0xFF, count: 8))
        directory.write(bytes, to: file)
    }

    private func offsetInFile(_ position: SpoolPosition) -> Int { Int(position.offset) }

    @Test func aTornTailAndAFlippedByte() throws {
        let directory = TemporarySpoolDirectory()
        let configuration = directory.configuration(segmentSize: 4096)
        let messages = (0..<500).map(TestMessage.numbered)
        var positions: [SpoolPosition] = []
        do {
            let spool = try Spool(configuration: configuration)
            for message in messages { positions.append(try spool.append(message)) }
            try spool.close()
        }
        let flipped = 200
        let torn = messages.count - 1
        let files = directory.segmentFiles()
        let flippedFile = SpoolRecordFormat.segmentFileName(positions[flipped].segment)
        let newest = try #require(files.last)
        #expect(flippedFile != newest)

        var bytes = directory.bytes(of: flippedFile)
        bytes[offsetInFile(positions[flipped]) + 25] ^= 0x20  // in the topic
        directory.write(bytes, to: flippedFile)
        bytes = directory.bytes(of: newest)
        let tornAt = offsetInFile(positions[torn])
        directory.write(Array(bytes[..<(tornAt + 17)]), to: newest)  // power loss mid-record
        unseal(directory, newest)

        let spool = try Spool(configuration: configuration)
        let tornRecord = BadRecord(segment: newest, offset: UInt64(tornAt), length: 17,
                                   reason: "torn record at end of segment", bytes: Array(bytes[tornAt..<(tornAt + 17)]))
        #expect(spool.badRecords == [tornRecord])  // found on open
        #expect(tornRecord.position == positions[torn])
        #expect(directory.bytes(of: newest).count == tornAt)  // and cut off

        let read = try spool.makeReader().readAll()
        let expected = messages.indices.filter { $0 != flipped && $0 != torn }
        #expect(read.map(\.message) == expected.map { messages[$0] })
        #expect(read.map(\.position) == expected.map { positions[$0] })

        let flippedLength = encodedRecord(messages[flipped]).count
        let damaged = Array(directory.bytes(of: flippedFile)[offsetInFile(positions[flipped])...].prefix(flippedLength))
        #expect(spool.takeBadRecords() == [
            tornRecord,
            BadRecord(segment: flippedFile, offset: positions[flipped].offset, length: flippedLength,
                      reason: "checksum mismatch", bytes: damaged),
        ])
        #expect(spool.badRecords.isEmpty)
        _ = try spool.makeReader().readAll()
        #expect(spool.badRecords.isEmpty)  // reported once per run

        // Appends continue cleanly after the cut, in a new segment.
        let appended = try spool.append(.numbered(1000))
        #expect(try spool.makeReader(from: appended).readAll().map(\.message) == [.numbered(1000)])
        try spool.close()
    }

    /// A killed process leaves any prefix of its last record: every one must open, lose only that record, and
    /// take appends again.
    @Test func cutAtEveryByteOfTheLastRecord() throws {
        let pristine = TemporarySpoolDirectory()
        let messages = (0..<20).map(TestMessage.numbered) + [TestMessage(topic: "last/one", payload: Array(0..<40),
                                                                         receivedAt: 77, qos: 2)]
        var positions: [SpoolPosition] = []
        do {
            let spool = try Spool(configuration: pristine.configuration())
            for message in messages { positions.append(try spool.append(message)) }
            try spool.close()
        }
        let file = try #require(pristine.segmentFiles().first)
        unseal(pristine, file)
        let bytes = pristine.bytes(of: file)
        let lastStart = offsetInFile(positions[20])
        #expect(bytes.count == lastStart + encodedRecord(messages[20]).count)

        for cut in lastStart...bytes.count {
            let directory = TemporarySpoolDirectory()
            try FileManager.default.createDirectory(atPath: directory.spool, withIntermediateDirectories: true)
            directory.write(Array(bytes[..<cut]), to: file)

            let spool = try Spool(configuration: directory.configuration())
            let complete = cut == bytes.count
            let expectedBad = cut == lastStart || complete ? [] : [BadRecord(
                segment: file, offset: UInt64(lastStart), length: cut - lastStart,
                reason: "torn record at end of segment", bytes: Array(bytes[lastStart..<cut]))]
            #expect(spool.takeBadRecords() == expectedBad, "cut at \(cut)")
            try spool.append(.numbered(99))
            try spool.close()

            let reopened = try Spool(configuration: directory.configuration())
            let read = try reopened.makeReader().readAll().map(\.message)
            #expect(read == Array(messages[..<(complete ? 21 : 20)]) + [.numbered(99)], "cut at \(cut)")
            #expect(reopened.badRecords.isEmpty, "cut at \(cut)")
            try reopened.close()
        }
    }

    @Test func damageInTheNewestSegmentIsReportedOnOpen() throws {
        let directory = TemporarySpoolDirectory()
        var positions: [SpoolPosition] = []
        do {
            let spool = try Spool(configuration: directory.configuration())
            for n in 0..<10 { positions.append(try spool.append(.numbered(n))) }
            try spool.close()
        }
        let file = try #require(directory.segmentFiles().first)
        unseal(directory, file)
        var bytes = directory.bytes(of: file)
        bytes[offsetInFile(positions[4]) + 8] ^= 1  // the stored checksum
        directory.write(bytes, to: file)

        let spool = try Spool(configuration: directory.configuration())
        #expect(spool.badRecords.map(\.offset) == [positions[4].offset])
        #expect(spool.badRecords.map(\.reason) == ["checksum mismatch"])
        #expect(try spool.makeReader().readAll().map(\.message) == (0..<10).filter { $0 != 4 }.map(TestMessage.numbered))
        #expect(spool.badRecords.count == 1)  // not again by the reader
        #expect(spool.backlog.records == 9)
        try spool.close()
    }

    @Test func aDamagedCheckpointReplaysEverything() throws {
        let directory = TemporarySpoolDirectory()
        do {
            let spool = try Spool(configuration: directory.configuration())
            var last = SpoolPosition.start
            for n in 0..<10 { last = try spool.append(.numbered(n)) }
            try spool.release(upTo: last)
            try spool.close()
        }
        var checkpoint = directory.bytes(of: "checkpoint")
        checkpoint[10] ^= 0xFF
        directory.write(checkpoint, to: "checkpoint")

        let spool = try Spool(configuration: directory.configuration())
        #expect(spool.badRecords.map(\.segment) == ["checkpoint"])
        #expect(try spool.makeReader().readAll().map(\.message) == (0..<10).map(TestMessage.numbered))
        try spool.close()
    }

    @Test func emptySegmentsFromRestartsAreRemoved() throws {
        let directory = TemporarySpoolDirectory()
        for _ in 0..<5 {
            let spool = try Spool(configuration: directory.configuration())
            try spool.close()
        }
        #expect(directory.segmentFiles().count == 1)
        directory.write([0xF5, 0x43], to: SpoolRecordFormat.segmentFileName(100))  // a header torn at creation
        let spool = try Spool(configuration: directory.configuration())
        #expect(spool.badRecords.map(\.reason) == ["torn segment header"])
        #expect(directory.segmentFiles() == [SpoolRecordFormat.segmentFileName(101)])
        try spool.close()
    }

    @Test func aSegmentFromANewerVersionStopsTheOpen() throws {
        let directory = TemporarySpoolDirectory()
        do {
            let spool = try Spool(configuration: directory.configuration())
            try spool.append(.numbered(1))
            try spool.close()
        }
        let file = try #require(directory.segmentFiles().first)
        var bytes = directory.bytes(of: file)
        bytes[4] = 2
        directory.write(bytes, to: file)
        do {
            _ = try Spool(configuration: directory.configuration())
            Issue.record("a version 2 segment was opened")
        } catch {
            #expect("\(error)".contains(file) && "\(error)".contains("version 2"))
        }
    }

    @Test func aSegmentWithADamagedHeaderStillReplays() throws {
        let directory = TemporarySpoolDirectory()
        do {
            let spool = try Spool(configuration: directory.configuration(segmentSize: 2048))
            for n in 0..<100 { try spool.append(.numbered(n)) }
            try spool.close()
        }
        let file = try #require(directory.segmentFiles().first)
        var bytes = directory.bytes(of: file)
        bytes[1] = 0
        directory.write(bytes, to: file)
        let spool = try Spool(configuration: directory.configuration(segmentSize: 2048))
        #expect(spool.badRecords.map(\.reason) == ["bad segment header"])
        #expect(try spool.makeReader().readAll().map(\.message) == (0..<100).map(TestMessage.numbered))
        #expect(spool.badRecords.count == 1)
        try spool.close()
    }

    /// Records counts of segments a crash left unsealed are estimated; bytes stay exact.
    @Test func backlogAfterRestart() throws {
        let directory = TemporarySpoolDirectory()
        let messages = (0..<400).map(TestMessage.numbered)
        do {
            let spool = try Spool(configuration: directory.configuration(segmentSize: 4096))
            for message in messages { try spool.append(message) }
            try spool.close()
        }
        for file in directory.segmentFiles() { unseal(directory, file) }
        let spool = try Spool(configuration: directory.configuration(segmentSize: 4096))
        #expect(spool.backlog.bytes == Int64(messages.reduce(0) { $0 + encodedRecord($1).count }))
        #expect(abs(spool.backlog.records - 400) < 40)
        try spool.close()
    }
}
