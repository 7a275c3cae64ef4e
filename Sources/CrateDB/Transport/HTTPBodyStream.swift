/// The body of an `HTTPStreamingResponse`: chunks of at most the requested chunk size, in order, read once.
/// Iteration throws `TransportError` when the transfer fails, or `CancellationError` when the iterating task
/// is cancelled (which aborts the transfer).
///
/// The transfer pauses while the consumer is behind, so only about one chunk is held in memory. Ending the
/// iteration early (dropping its iterator), or dropping the stream without iterating, aborts the transfer.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// Aborts the transfer (if still running) once the last reference to it goes away.
    fileprivate final class AbortOnRelease: Sendable {
        let source: StreamingResponseSink
        init(_ source: StreamingResponseSink) { self.source = source }
        deinit { source.abandon() }
    }

    private let source: StreamingResponseSink
    private let lifetime: AbortOnRelease

    init(source: StreamingResponseSink) {
        self.source = source
        lifetime = AbortOnRelease(source)
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(source: source, streamLifetime: lifetime, iterationLifetime: AbortOnRelease(source))
    }

    public struct Iterator: AsyncIteratorProtocol {
        fileprivate let source: StreamingResponseSink
        // The stream's: an iterator keeps the transfer going after the stream value itself is gone.
        fileprivate let streamLifetime: AbortOnRelease
        // Its own: leaving a `for try await` loop early drops the iterator and so aborts the transfer.
        fileprivate let iterationLifetime: AbortOnRelease

        public mutating func next() async throws -> [UInt8]? {
            try await source.next()
        }
    }
}
