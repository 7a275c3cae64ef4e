/// Hands a response body to one consumer chunk by chunk, with backpressure: once a chunk's worth of bytes is
/// waiting, the transfer is paused (CURL_WRITEFUNC_PAUSE) until the consumer takes it, so memory stays at
/// about `chunkSize` however large the body is.
///
/// The loop thread calls the `ResponseSink` methods; the consumer calls `head()` and `next()` from any task.
/// All shared state is behind `state`'s lock.
final class StreamingResponseSink: ResponseSink, @unchecked Sendable {
    private enum End {
        case complete
        case failed(any Error)
    }

    private struct State {
        var headWaiter: CheckedContinuation<ResponseHead, any Error>?
        var bodyWaiter: CheckedContinuation<[UInt8]?, any Error>?
        var buffered: [UInt8] = []
        var paused = false
        var end: End?
    }

    /// What the consumer gets next, when there is something.
    private enum Take {
        case chunk([UInt8], resumeTransfer: Bool)
        case end
        case failed(any Error)
    }

    let chunkSize: Int
    private let state = Locked(State())
    /// Weak, so that the transfer does not keep itself alive through its own sink; while it runs, the event
    /// loop keeps it alive, and once it is over there is nothing left to resume or abort.
    weak var transfer: CurlTransfer?

    init(chunkSize: Int) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.chunkSize = chunkSize
    }

    // MARK: Consumer side

    /// Waits for the final response head. Call once, before the transfer is started.
    func head(startingWith start: () -> Void) async throws -> ResponseHead {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.headWaiter = continuation }
            start()
        }
    }

    /// The next chunk of at most `chunkSize` bytes, nil at the end of the body.
    func next() async throws -> [UInt8]? {
        if let taken = state.withLock({ take(&$0) }) { return try settle(taken) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let taken: Take? = state.withLock { state in
                    let taken = take(&state)
                    if taken == nil { state.bodyWaiter = continuation }
                    return taken
                }
                if let taken { continuation.resume(with: Result { try settle(taken) }) }
            }
        } onCancel: {
            transfer?.abort(with: CancellationError())
        }
    }

    /// The consumer is gone: stop the transfer, unless it is over already.
    func abandon() {
        transfer?.abort(with: CancellationError())
    }

    private func settle(_ taken: Take) throws -> [UInt8]? {
        switch taken {
        case .chunk(let chunk, let resumeTransfer):
            if resumeTransfer { transfer?.resume() }
            return chunk
        case .end:
            return nil
        case .failed(let error):
            throw error
        }
    }

    /// Takes the next chunk, or the end; nil when there is nothing yet.
    private func take(_ state: inout State) -> Take? {
        if !state.buffered.isEmpty {
            let chunk: [UInt8]
            if state.buffered.count <= chunkSize {
                chunk = state.buffered
                state.buffered = []
            } else {
                chunk = Array(state.buffered[..<chunkSize])
                state.buffered.removeFirst(chunkSize)
            }
            // Resume only once there is room again, so a paused transfer is not woken for nothing.
            let resumeTransfer = state.paused && state.buffered.count < chunkSize
            if resumeTransfer { state.paused = false }
            return .chunk(chunk, resumeTransfer: resumeTransfer)
        }
        switch state.end {
        case nil: return nil
        case .complete: return .end
        case .failed(let error): return .failed(error)
        }
    }

    // MARK: ResponseSink, on the loop thread

    func receive(head: ResponseHead) {
        state.withLock { state in
            defer { state.headWaiter = nil }
            return state.headWaiter
        }?.resume(returning: head)
    }

    func receive(body bytes: UnsafeRawBufferPointer) -> Bool {
        let (accepted, handOver) = state.withLock { state -> (Bool, (CheckedContinuation<[UInt8]?, any Error>, [UInt8])?) in
            if state.buffered.count >= chunkSize {
                state.paused = true
                return (false, nil)
            }
            state.buffered.append(contentsOf: bytes)
            guard let waiter = state.bodyWaiter, case .chunk(let chunk, _) = take(&state) else { return (true, nil) }
            state.bodyWaiter = nil
            return (true, (waiter, chunk))
        }
        if let (waiter, chunk) = handOver { waiter.resume(returning: chunk) }
        return accepted
    }

    func finish(_ result: Result<ResponseHead, any Error>) {
        let (headWaiter, bodyWaiter) = state.withLock { state in
            switch result {
            case .success: state.end = .complete
            case .failure(let error): state.end = .failed(error)
            }
            defer { (state.headWaiter, state.bodyWaiter) = (nil, nil) }
            return (state.headWaiter, state.bodyWaiter)
        }
        headWaiter?.resume(with: result)
        // A waiting consumer has taken everything buffered, so all that is left to tell it is the end.
        switch result {
        case .success: bodyWaiter?.resume(returning: nil)
        case .failure(let error): bodyWaiter?.resume(throwing: error)
        }
    }
}
