import Testing

@testable import CrateDB

extension TransportTests {
    /// The backpressure rules of a streamed body, without libcurl: the sink refuses (pauses) once a chunk's worth
    /// is waiting, and hands out chunks of at most `chunkSize` bytes.
    struct StreamingResponseSinkTests {
        private func offer(_ sink: StreamingResponseSink, _ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { sink.receive(body: $0) }
        }

        @Test func pausesOnceAChunkIsWaitingAndHandsOutChunks() async throws {
            let sink = StreamingResponseSink(chunkSize: 4)

            #expect(offer(sink, [1, 2, 3]))
            #expect(offer(sink, [4, 5, 6]))  // 6 buffered now, so...
            #expect(!offer(sink, [7]))  // ...this one is refused: the transfer pauses and libcurl keeps [7]
            #expect(try await sink.next() == [1, 2, 3, 4])
            #expect(try await sink.next() == [5, 6])
            #expect(offer(sink, [7]))
            sink.finish(.success(ResponseHead(status: 200, headers: [:])))
            #expect(try await sink.next() == [7])
            #expect(try await sink.next() == nil)
        }

        @Test func aWaitingConsumerGetsBytesAsTheyArrive() async throws {
            let sink = StreamingResponseSink(chunkSize: 4)

            async let first = sink.next()
            // The consumer may or may not be waiting yet; either way it must get these bytes.
            #expect(offer(sink, [9, 8]))
            #expect(try await first == [9, 8])
        }

        @Test func aFailureEndsTheBodyWithTheError() async throws {
            let sink = StreamingResponseSink(chunkSize: 4)

            #expect(offer(sink, [1]))
            sink.finish(.failure(TransportError.connectionClosed("gone")))

            #expect(try await sink.next() == [1])  // what arrived before the failure is still delivered
            await #expect(throws: TransportError.self) { try await sink.next() }
        }

        @Test func theHeadWaiterGetsTheHeadOrTheFailure() async throws {
            let ok = StreamingResponseSink(chunkSize: 4)
            let head = try await ok.head { ok.receive(head: ResponseHead(status: 206, headers: ["content-range": "bytes 0-1/2"])) }
            #expect(head.status == 206)

            let failing = StreamingResponseSink(chunkSize: 4)
            await #expect(throws: TransportError.self) {
                try await failing.head { failing.finish(.failure(TransportError.timedOut("slow"))) }
            }
        }
    }
}
