/// Collects a whole response in memory for `HTTPTransport.execute`.
///
/// `@unchecked Sendable`: `continuation` is set before the transfer is handed to the event loop (the
/// loop's locked queue orders that write before the loop's reads); everything else runs on the loop thread.
final class BufferedResponseSink: ResponseSink, @unchecked Sendable {
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var body: [UInt8] = []

    func receive(head: ResponseHead) {}

    func receive(body bytes: UnsafeRawBufferPointer) -> Bool {
        body.append(contentsOf: bytes)
        return true
    }

    func finish(_ result: Result<ResponseHead, any Error>) {
        let response = result.map { HTTPResponse(status: $0.status, headers: $0.headers, body: body) }
        body = []
        continuation?.resume(with: response)
        continuation = nil
    }
}
