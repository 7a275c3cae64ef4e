/// Where a transfer delivers its response. Called on the event-loop thread only.
protocol ResponseSink: AnyObject, Sendable {
    /// The final response's head is in (after any 100 Continue and followed redirects); its body follows.
    func receive(head: ResponseHead)

    /// The next piece of the final response's body. Returning false pauses the transfer WITHOUT taking
    /// `bytes`: libcurl hands the same bytes over again once the transfer is resumed.
    func receive(body bytes: UnsafeRawBufferPointer) -> Bool

    /// The transfer is over, with the final head or the reason it failed. Called exactly once, also for a
    /// transfer that never started.
    func finish(_ result: Result<ResponseHead, any Error>)
}
