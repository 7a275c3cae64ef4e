/// HTTP/1.1 client for CrateDB's HTTP endpoint, on libcurl: many requests in flight at once over pooled
/// keep-alive connections, TLS, gzip request bodies, streamed uploads and downloads.
///
/// Cancelling the task of `execute` or `stream` aborts the request with `CancellationError`.
/// Streams need their transport: `shutdown` (also run when the transport is released) fails them.
public final class HTTPTransport: Sendable {
    private let configuration: TransportConfiguration
    private let loop: CurlEventLoop

    public init(configuration: TransportConfiguration = .init()) throws {
        self.configuration = configuration
        loop = try CurlEventLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Sends `request` and returns the whole response; an HTTP error status is a response, not an error.
    /// Throws `TransportError` when no complete response arrived.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let sink = BufferedResponseSink()
        let transfer = try CurlTransfer(request: request, configuration: configuration, sink: sink, loop: loop)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                sink.continuation = continuation
                loop.start(transfer)
            }
        } onCancel: {
            transfer.abort(with: CancellationError())
        }
    }

    /// Sends `request` and returns as soon as the final response head is in; the body follows through
    /// `HTTPStreamingResponse.body` in chunks of at most `chunkSize` bytes, as fast as it is consumed.
    public func stream(_ request: HTTPRequest, chunkSize: Int = 128 * 1024) async throws -> HTTPStreamingResponse {
        let sink = StreamingResponseSink(chunkSize: chunkSize)
        let transfer = try CurlTransfer(request: request, configuration: configuration, sink: sink, loop: loop)
        sink.transfer = transfer
        // Made before the request starts, so that a failure below aborts the transfer by releasing it.
        let body = HTTPBodyStream(source: sink)
        let head = try await withTaskCancellationHandler {
            try await sink.head { loop.start(transfer) }
        } onCancel: {
            transfer.abort(with: CancellationError())
        }
        return HTTPStreamingResponse(status: head.status, headers: head.headers, body: body)
    }

    /// Fails the requests in flight with `TransportError.connectionClosed` and any later ones at once, and
    /// stops the transport's thread. Idempotent; also run when the transport is released.
    public func shutdown() {
        loop.shutdown()
    }
}
