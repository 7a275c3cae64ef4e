import CCurl

/// One request in flight: what libcurl's callbacks reach through their `void *` argument.
///
/// Created on the caller's thread (where the body is compressed or its file opened), then handed to the
/// event loop, which owns it from `CurlEventLoop.start` to its completion; everything but `abort` and
/// `resume` runs on the loop thread.
final class CurlTransfer: @unchecked Sendable {
    /// Where the transfer is, as the loop thread sees it.
    enum Phase {
        case created
        /// Aborted before the loop started it (a task cancelled at once): the start completes it with this error.
        case abortedBeforeStart(any Error)
        case running(CurlEasyHandle)
        case finished
    }

    let request: HTTPRequest
    let sink: any ResponseSink
    private let loop: CurlEventLoop
    private let upload: UploadSource?
    private let headerList: UnsafeMutablePointer<curl_slist>?

    // Loop thread only.
    var phase = Phase.created
    private var parser = ResponseHeadParser()
    private var headDelivered = false

    init(request: HTTPRequest, configuration: TransportConfiguration, sink: any ResponseSink, loop: CurlEventLoop) throws {
        self.request = request
        self.sink = sink
        self.loop = loop

        // libcurl sends header lines as given: a line break in a configured value would inject headers.
        if let (name, _) = request.headers.first(where: { ($0.0 + $0.1).contains(where: \.isNewline) }) {
            throw TransportError.other(
                code: Int32(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), "header \(name) contains a line break")
        }
        let given = request.headers.filter { $0.0.lowercased() != "content-length" }
        let givenNames = Set(given.map { $0.0.lowercased() })
        // libcurl header lines: "Name: value", or "Name:" to drop a header libcurl would add by itself.
        var added: [String] = []
        switch (request.method, request.body) {
        case (.GET, _), (.HEAD, _):
            upload = nil
        case (_, .none):
            // POST and PUT always get a read callback; libcurl's default one would read stdin.
            upload = UploadSource(bytes: [])
        case (_, .bytes(let bytes)):
            // Only /_sql bodies (POST) are compressed: a blob PUT must arrive byte for byte, or its digest fails.
            if request.method == .POST, let threshold = configuration.gzipThreshold, bytes.count >= threshold,
                !givenNames.contains("content-encoding")
            {
                upload = UploadSource(bytes: try Gzip.compress(bytes))
                added.append("Content-Encoding: gzip")
            } else {
                upload = UploadSource(bytes: bytes)
            }
            // Small bodies go at once: waiting for "100 Continue" would cost a round trip per request.
            if !givenNames.contains("expect") { added.append("Expect:") }
        case (_, .file(let path)):
            upload = try UploadSource(filePath: path)
            // Lets a CrateDB node answer a blob PUT with 307 before the (large) body is sent.
            if !givenNames.contains("expect") { added.append("Expect: 100-continue") }
        }
        // With CURLOPT_POST libcurl would add "Content-Type: application/x-www-form-urlencoded".
        if upload != nil, request.method != .PUT, !givenNames.contains("content-type") {
            added.append("Content-Type:")
        }
        // "Name;" is how libcurl sends a header with an empty value.
        let lines = given.map { name, value in value.isEmpty ? "\(name);" : "\(name): \(value)" } + added
        headerList = lines.reduce(nil) { list, line in curl_slist_append(list, line) }
    }

    deinit {
        curl_slist_free_all(headerList)
    }

    /// Sets the request's options on a handle already prepared with the transport-wide ones.
    func configure(_ easy: CurlEasyHandle) throws {
        // Ownership: every pointer to `self` given to libcurl here is unretained. The event loop holds the +1
        // taken in `CurlEventLoop.begin` until after curl_multi_remove_handle and curl_easy_reset, so `self`
        // outlives every callback and every use of CURLOPT_PRIVATE.
        let me = Unmanaged.passUnretained(self).toOpaque()
        try easy.set(CURLOPT_PRIVATE, pointer: me)
        try easy.set(CURLOPT_URL, request.url)
        try easy.set(CURLOPT_HTTPHEADER, list: headerList)  // owned by self, freed in deinit
        try easy.set(CURLOPT_HEADERDATA, pointer: me)
        try CurlError.check(CCurl_easy_setopt_header_callback(easy.raw, Self.headerCallback), "CURLOPT_HEADERFUNCTION")
        try easy.set(CURLOPT_WRITEDATA, pointer: me)
        try CurlError.check(CCurl_easy_setopt_write_callback(easy.raw, Self.writeCallback), "CURLOPT_WRITEFUNCTION")

        switch request.method {
        case .GET: try easy.set(CURLOPT_HTTPGET, 1)
        case .HEAD: try easy.set(CURLOPT_NOBODY, 1)
        case .PUT: try easy.set(CURLOPT_UPLOAD, 1)
        case .POST: try easy.set(CURLOPT_POST, 1)
        case .DELETE:
            try easy.set(CURLOPT_CUSTOMREQUEST, "DELETE")  // kept on redirects
            if upload != nil { try easy.set(CURLOPT_POST, 1) }
        }
        if let upload {
            try easy.set(request.method == .PUT ? CURLOPT_INFILESIZE_LARGE : CURLOPT_POSTFIELDSIZE_LARGE, size: upload.size)
            try easy.set(CURLOPT_READDATA, pointer: me)
            try CurlError.check(CCurl_easy_setopt_read_callback(easy.raw, Self.readCallback), "CURLOPT_READFUNCTION")
            try easy.set(CURLOPT_SEEKDATA, pointer: me)
            try CurlError.check(CCurl_easy_setopt_seek_callback(easy.raw, Self.seekCallback), "CURLOPT_SEEKFUNCTION")
        }

        if request.followRedirects {
            try easy.set(CURLOPT_FOLLOWLOCATION, 1)
            try easy.set(CURLOPT_MAXREDIRS, 5)
            try easy.set(CURLOPT_POSTREDIR, CCurl_REDIR_POST_ALL)  // a POST stays a POST on 301/302/303
            // CrateDB redirects blob requests to another node of the same cluster, which needs the same
            // credentials; libcurl would drop Authorization when the host or port changes.
            try easy.set(CURLOPT_UNRESTRICTED_AUTH, 1)
        }
    }

    // MARK: Called from any thread

    /// Stops the transfer and completes it with `error`; nothing happens when it is over already.
    func abort(with error: any Error) {
        loop.abort(self, with: error)
    }

    /// Resumes a transfer the sink paused.
    func resume() {
        loop.resume(self)
    }

    // MARK: Completion, on the loop thread

    /// The outcome of a transfer libcurl reports done with `code`; call before the handle is reset.
    func result(_ code: CURLcode, on easy: CurlEasyHandle) -> Result<ResponseHead, any Error> {
        guard code == CURLE_OK else {
            if let failure = upload?.failure { return .failure(failure) }
            let url = easy.info(string: CURLINFO_EFFECTIVE_URL) ?? request.url
            let osErrno = Int32(truncatingIfNeeded: easy.info(long: CURLINFO_OS_ERRNO))
            let error = CurlError.transportError(code, detail: easy.errorText, osErrno: osErrno, url: url)
            // Once the server has answered, the request was processed: a caller must not take this for a
            // request that never arrived.
            guard headDelivered else { return .failure(error) }
            return .failure(TransportError.responseInterrupted(status: parser.head.status, cause: error))
        }
        var head = parser.head
        head.status = easy.info(long: CURLINFO_RESPONSE_CODE)
        return .success(head)
    }

    /// Tells the sink how it ended: once, whatever happened before.
    func complete(_ result: Result<ResponseHead, any Error>) {
        phase = .finished
        if case .success(let head) = result, !headDelivered {
            headDelivered = true
            sink.receive(head: head)
        }
        sink.finish(result)
    }

    // MARK: Callbacks, on the loop thread inside curl_multi_perform / curl_easy_pause

    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        // Lines after the final head are trailers of a chunked body; CrateDB sends none.
        guard !headDelivered else { return }
        if parser.consume(String(decoding: line, as: UTF8.self)),
            parser.head.isFinal(followingRedirects: request.followRedirects)
        {
            headDelivered = true
            sink.receive(head: parser.head)
        }
    }

    func readBody(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        upload?.read(into: buffer)
    }

    func rewindBody(to offset: Int64) -> Bool {
        upload?.seek(to: offset) ?? false
    }
}
