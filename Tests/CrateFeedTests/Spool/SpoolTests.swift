import Foundation
import Testing
import CrateDB
@testable import CrateFeed

@Suite struct SpoolTests {
    @Test func roundTripAcrossSegmentRotations() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 4096))
        let messages = (0..<3000).map(TestMessage.numbered)
        var positions: [SpoolPosition] = []
        for message in messages { positions.append(try spool.append(message)) }
        #expect(positions == positions.sorted() && Set(positions).count == positions.count)

        let read = try spool.makeReader().readAll()
        #expect(read.map(\.message) == messages)
        #expect(read.map(\.position) == positions)
        #expect(directory.segmentFiles().count > 50)

        let recordBytes = messages.reduce(0) { $0 + encodedRecord($1).count }
        #expect(spool.backlog.bytes == Int64(recordBytes))
        #expect(spool.backlog.records == messages.count)
        let fileBytes = directory.segmentFiles().reduce(0) { $0 + directory.bytes(of: $1).count }
        #expect(spool.sizeOnDisk == Int64(fileBytes))
        try spool.close()
    }

    @Test func readerFollowsLiveAppends() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 2048))
        let reader = spool.makeReader()
        #expect(try reader.next() == nil)

        for n in 0..<5 { try spool.append(.numbered(n)) }
        #expect(try reader.readAll().map(\.message) == (0..<5).map(TestMessage.numbered))
        #expect(try reader.next() == nil)

        // Across rotations, while the reader sits at the end of the segment it was reading.
        for n in 5..<200 { try spool.append(.numbered(n)) }
        let read = try reader.readAll()
        #expect(read.map(\.message) == (5..<200).map(TestMessage.numbered))
        #expect(try reader.next() == nil)
        #expect(try #require(read.last).position < reader.position)
        try spool.close()
    }

    /// The MQTT thread appends while the pipeline thread reads and releases as it goes. Both sides run on their
    /// own threads, as in the daemon: on the shared task pool a spinning reader could starve the writer.
    @Test(arguments: [8192, 1024])
    func concurrentAppendReadAndRelease(segmentSize: Int) throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: segmentSize))
        let count = Int(ProcessInfo.processInfo.environment["SPOOL_STRESS_RECORDS"] ?? "") ?? 20_000
        let writerDone = DispatchSemaphore(value: 0)
        let writerError = Locked<(any Error)?>(nil)
        Thread {
            defer { writerDone.signal() }
            do {
                for n in 0..<count { try spool.append(.numbered(n)) }
            } catch {
                writerError.withLock { $0 = error }
            }
        }.start()
        let reader = spool.makeReader()
        var received: [TestMessage] = []
        var writerFinished = false
        var emptyAfterWriterFinished = 0
        // Once the writer is done, the reader must see everything without waiting: two empty reads are a stall.
        while received.count < count && emptyAfterWriterFinished < 2 {
            guard let record = try reader.next() else {
                if writerFinished {
                    emptyAfterWriterFinished += 1
                } else {
                    writerFinished = writerDone.wait(timeout: .now() + .milliseconds(1)) == .success
                }
                continue
            }
            received.append(TestMessage(record))
            if received.count % 1000 == 0 { try spool.release(upTo: reader.position) }
        }
        if !writerFinished { writerDone.wait() }
        try writerError.withLock { if let error = $0 { throw error } }
        #expect(received.count == count)
        #expect(received == (0..<count).map(TestMessage.numbered))
        try spool.release(upTo: reader.position)
        #expect(spool.backlog.bytes == 0 && spool.backlog.records == 0)
        #expect(directory.segmentFiles().count == 1)  // the one being appended to
        try spool.close()
    }

    @Test func releaseDeletesSegmentsAndSurvivesRestart() throws {
        let directory = TemporarySpoolDirectory()
        let configuration = directory.configuration(segmentSize: 4096)
        let messages = (0..<1000).map(TestMessage.numbered)
        var positions: [SpoolPosition] = []
        do {
            let spool = try Spool(configuration: configuration)
            for message in messages { positions.append(try spool.append(message)) }
            let before = directory.segmentFiles()
            try spool.release(upTo: positions[600])
            let after = directory.segmentFiles()
            #expect(after == before.filter { SpoolRecordFormat.segmentID(fileName: $0)! >= positions[600].segment })
            #expect(after.count < before.count)
            let unreleased = messages[600...].reduce(0) { $0 + encodedRecord($1).count }
            #expect(spool.backlog.bytes == Int64(unreleased))

            try spool.release(upTo: positions[10])  // older: a no-op
            #expect(spool.backlog.bytes == Int64(unreleased))
            try spool.close()
        }
        do {
            let spool = try Spool(configuration: configuration)
            let read = try spool.makeReader().readAll()
            #expect(read.map(\.message) == Array(messages[600...]))
            #expect(read.map(\.position) == Array(positions[600...]))
            try spool.close()
        }
    }

    @Test func restartReplaysExactlyTheUnreleasedRecords() throws {
        let directory = TemporarySpoolDirectory()
        let configuration = directory.configuration(segmentSize: 4096)
        do {
            let spool = try Spool(configuration: configuration)
            for n in 0..<300 { try spool.append(.numbered(n)) }
            try spool.close()
        }
        let reader: SpoolReader
        let spool = try Spool(configuration: configuration)
        reader = spool.makeReader()
        #expect(try reader.readAll().map(\.message) == (0..<300).map(TestMessage.numbered))
        #expect(spool.backlog.records == 300)
        try spool.append(.numbered(300))
        #expect(try reader.readAll().map(\.message) == [.numbered(300)])

        // Everything confirmed: a restart replays nothing, and new records still come after the checkpoint.
        try spool.release(upTo: reader.position)
        try spool.close()
        let again = try Spool(configuration: configuration)
        #expect(try again.makeReader().readAll().isEmpty)
        #expect(again.backlog.bytes == 0)
        try again.append(.numbered(301))
        #expect(try again.makeReader().readAll().map(\.message) == [.numbered(301)])
        try again.close()
    }

    /// Everything released, the segment being appended to included: a restart must number past the checkpoint
    /// or its new records would sort before it and never be read.
    @Test func segmentNumbersContinuePastTheCheckpoint() throws {
        let directory = TemporarySpoolDirectory()
        let configuration = directory.configuration()
        var checkpoint = SpoolPosition.start
        do {
            let spool = try Spool(configuration: configuration)
            try spool.append(.numbered(1))
            let reader = spool.makeReader()
            _ = try reader.readAll()
            checkpoint = reader.position
            try spool.release(upTo: checkpoint)
            try spool.close()
        }
        for file in directory.segmentFiles() { try FileManager.default.removeItem(atPath: directory.spool + "/" + file) }
        let spool = try Spool(configuration: configuration)
        let position = try spool.append(.numbered(2))
        #expect(position > checkpoint)
        #expect(try spool.makeReader().readAll().map(\.message) == [.numbered(2)])
        try spool.close()
    }

    @Test func readerFromAPosition() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 4096))
        var positions: [SpoolPosition] = []
        for n in 0..<200 { positions.append(try spool.append(.numbered(n))) }
        #expect(try spool.makeReader(from: positions[150]).readAll().map(\.message) == (150..<200).map(TestMessage.numbered))
        try spool.release(upTo: positions[170])
        // Released records are not read again, whatever the position asked for.
        #expect(try spool.makeReader(from: positions[150]).readAll().map(\.message) == (170..<200).map(TestMessage.numbered))
        try spool.close()
    }

    @Test func aSecondSpoolOnTheSameDirectoryFailsClearly() throws {
        let directory = TemporarySpoolDirectory()
        let first = try Spool(configuration: directory.configuration())
        do {
            _ = try Spool(configuration: directory.configuration())
            Issue.record("a second spool opened the same directory")
        } catch let error as SpoolError {
            let message = error.description
            #expect(message.contains(directory.spool) && message.contains("in use"))
            #expect(message.contains("process \(getpid())"))
            #expect(!message.contains("\n"))
        }
        try first.close()
        let second = try Spool(configuration: directory.configuration())  // the lock went with the close
        try second.close()
    }

    @Test func isFullHasHysteresis() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 2048, maxSize: 10_000))
        let message = TestMessage(topic: "t", payload: [UInt8](repeating: 7, count: 76), receivedAt: 0, qos: 1)
        let length = Int64(encodedRecord(message).count)  // 100 bytes
        #expect(length == 100)
        var positions: [SpoolPosition] = []
        while !spool.isFull {
            positions.append(try spool.append(message))
            #expect(spool.isFull == (Int64(positions.count) * length > 10_000))
        }
        #expect(positions.count == 101)
        // Back under the maximum but above the resume size (8000): still full.
        try spool.release(upTo: positions[15])
        #expect(spool.backlog.bytes == 8600 && spool.isFull)
        try spool.release(upTo: positions[22])
        #expect(spool.backlog.bytes == 7900 && !spool.isFull)
        // Growing again stays not full until above the maximum.
        for _ in 0..<21 { positions.append(try spool.append(message)) }
        #expect(spool.backlog.bytes == 10_000 && !spool.isFull)
        try spool.append(message)
        #expect(spool.isFull)
        try spool.close()
    }

    @Test func fsyncAlwaysSyncsEveryAppend() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(fsync: .always))
        for n in 0..<25 { try spool.append(.numbered(n)) }
        #expect(spool.syncCount == 25)
        try spool.close()
        #expect(spool.syncCount == 26)  // close syncs too
    }

    @Test func fsyncNeverLeavesItToTheKernel() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(segmentSize: 2048, fsync: .never))
        for n in 0..<200 { try spool.append(.numbered(n)) }
        try spool.syncIfDue()
        #expect(spool.syncCount == 0)
    }

    @Test func fsyncIntervalBoundsTheUnsyncedTime() throws {
        let directory = TemporarySpoolDirectory()
        let clock = ManualClock()
        let spool = try Spool(configuration: directory.configuration(fsync: .interval(1.0)), clock: clock.read)
        try spool.syncIfDue()
        #expect(spool.syncCount == 0)  // nothing to sync

        try spool.append(.numbered(1))  // the first unsynced append starts the clock
        clock.advance(seconds: 0.5)
        try spool.append(.numbered(2))
        clock.advance(seconds: 0.4)
        try spool.syncIfDue()
        #expect(spool.syncCount == 0)
        clock.advance(seconds: 0.1)
        try spool.syncIfDue()  // the timer: one second since the first unsynced append
        #expect(spool.syncCount == 1)
        try spool.syncIfDue()
        #expect(spool.syncCount == 1)

        try spool.append(.numbered(3))
        clock.advance(seconds: 1.2)
        try spool.append(.numbered(4))  // an append past the interval syncs itself
        #expect(spool.syncCount == 2)
        clock.advance(seconds: 5)
        try spool.syncIfDue()
        #expect(spool.syncCount == 2)
        try spool.close()
    }

    @Test func badMessagesAreRefusedAndTheSpoolGoesOn() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration())
        let longTopic = TestMessage(topic: String(repeating: "t", count: 70_000), payload: [], receivedAt: 0, qos: 0)
        #expect(throws: SpoolError.self) { try spool.append(longTopic) }
        do {
            try spool.append(TestMessage(topic: "a/b", payload: [1], receivedAt: 0, qos: 3))
            Issue.record("QoS 3 was spooled")
        } catch {
            #expect("\(error)" == "message on topic 'a/b' has QoS 3; only 0, 1 and 2 can be spooled")
        }
        try spool.append(.numbered(1))
        #expect(try spool.makeReader().readAll().map(\.message) == [.numbered(1)])
        try spool.close()
    }

    @Test func closeIsIdempotentAndEndsAppends() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration())
        try spool.append(.numbered(1))
        try spool.close()
        try spool.close()
        #expect(throws: SpoolError.self) { try spool.append(.numbered(2)) }
        #expect(throws: SpoolError.self) { try spool.release(upTo: SpoolPosition(segment: 9, offset: 0)) }
    }

    @Test func directoryIsCreatedPrivate() throws {
        let directory = TemporarySpoolDirectory()
        var configuration = directory.configuration()
        configuration.directory = directory.path + "/deeper/spool"
        let spool = try Spool(configuration: configuration)
        var info = stat()
        #expect(stat(configuration.directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        try spool.close()
    }

    /// Prints the append and read rates (not asserted: machines differ).
    @Test func appendRate() throws {
        let directory = TemporarySpoolDirectory()
        let spool = try Spool(configuration: directory.configuration(fsync: .interval(1.0)))
        let topic = Array("sensors/dev42/environment".utf8)
        let payload = Array(#"{"temperature":21.5,"humidity":40,"pressure":1013.2,"battery":87}"#.utf8)
        let count = 200_000
        let start = Date()
        try topic.withUnsafeBytes { topic in
            try payload.withUnsafeBytes { payload in
                for n in 0..<count { try spool.append(topic: topic, payload: payload, receivedAt: Int64(n), qos: 1) }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("spool: \(count) appends of \(topic.count + payload.count) bytes in \(String(format: "%.3f", seconds)) s: "
              + "\(Int(Double(count) / seconds)) appends/s, \(String(format: "%.2f", seconds / Double(count) * 1e6)) µs each")
        #expect(spool.backlog.records == count)

        let reader = spool.makeReader()
        let readStart = Date()
        var read = 0
        while let record = try reader.next() { read += record.payload.count == payload.count ? 1 : 0 }
        let readSeconds = Date().timeIntervalSince(readStart)
        print("spool: read back \(read) records in \(String(format: "%.3f", readSeconds)) s: \(Int(Double(read) / readSeconds)) records/s")
        #expect(read == count)
        try spool.close()
    }
}
