import CCurl
import Glibc

/// One libcurl multi handle driven by one dedicated thread: every transfer of a transport runs here, many at
/// once, over keep-alive connections from the multi handle's connection cache.
///
/// Other threads never touch libcurl handles; they post commands to a locked mailbox and wake the thread
/// with curl_multi_wakeup. The thread applies the commands, lets libcurl work (curl_multi_perform, which runs
/// the transfers' callbacks), completes finished transfers and waits in curl_multi_poll.
final class CurlEventLoop: @unchecked Sendable {
    private enum Command {
        case start(CurlTransfer)
        case resume(CurlTransfer)
        case abort(CurlTransfer, any Error)
    }

    private struct Mailbox {
        var commands: [Command] = []
        var stopping = false
    }

    /// Idle easy handles kept for reuse; more than the usual concurrency would only hold memory.
    private static let maxIdleHandles = 32
    private static let pollTimeoutMilliseconds: Int32 = 10_000

    private let configuration: TransportConfiguration
    private let multi: UnsafeMutableRawPointer  // CURLM *
    private let mailbox = Locked(Mailbox())
    private var thread = pthread_t()

    // Loop thread only.
    /// The +1 reference on each running transfer, taken in `begin` and released in `end`.
    private var running: [ObjectIdentifier: Unmanaged<CurlTransfer>] = [:]
    private var idleHandles: [CurlEasyHandle] = []

    init(configuration: TransportConfiguration) throws {
        try CurlGlobal.initialize()
        guard let multi = curl_multi_init() else {
            throw TransportError.other(code: Int32(CURLE_FAILED_INIT.rawValue), "curl_multi_init failed")
        }
        self.multi = multi
        self.configuration = configuration
        do {
            try CurlError.check(
                CCurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost),
                "CURLMOPT_MAX_HOST_CONNECTIONS")
            // libcurl's default cache (4 per added handle) shrinks as transfers end and would close idle
            // connections that the next burst of requests wants to reuse; keep room for a few nodes' worth.
            try CurlError.check(
                CCurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(16, 4 * configuration.maxConnectionsPerHost)),
                "CURLMOPT_MAXCONNECTS")
        } catch {
            curl_multi_cleanup(multi)
            throw error
        }

        // Ownership: the thread gets a +1 on self, released when its loop returns; self thus outlives the
        // thread, which cleans up the multi handle before exiting.
        let started = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<CurlEventLoop>.fromOpaque(argument!).takeRetainedValue()
            ThreadName.set("crate-http")
            loop.run()
            return nil
        }, Unmanaged.passRetained(self).toOpaque())
        guard started == 0 else {
            Unmanaged.passUnretained(self).release()  // the thread never took its +1
            curl_multi_cleanup(multi)
            throw TransportError.other(code: started, "cannot start the HTTP thread: \(String(cString: strerror(started)))")
        }
    }

    // MARK: Commands, from any thread

    /// Hands `transfer` to the loop; after shutdown it fails at once.
    func start(_ transfer: CurlTransfer) {
        if !post(.start(transfer)) {
            transfer.complete(.failure(Self.shutDownError(transfer)))  // never reached the loop: safe here
        }
    }

    func resume(_ transfer: CurlTransfer) {
        post(.resume(transfer))
    }

    func abort(_ transfer: CurlTransfer, with error: any Error) {
        post(.abort(transfer, error))
    }

    /// Stops the loop: transfers in flight fail with `TransportError.connectionClosed`, later ones at once.
    /// Waits for the thread unless called on it. Idempotent.
    func shutdown() {
        let wasStopping = mailbox.withLock { mailbox in
            defer { mailbox.stopping = true }
            if !mailbox.stopping { curl_multi_wakeup(multi) }
            return mailbox.stopping
        }
        guard !wasStopping else { return }
        if pthread_equal(pthread_self(), thread) != 0 {
            pthread_detach(thread)  // the last reference went away on the loop thread: it ends by itself
        } else {
            pthread_join(thread, nil)
        }
    }

    /// False when the loop is stopping; then nothing was posted.
    @discardableResult
    private func post(_ command: Command) -> Bool {
        mailbox.withLock { mailbox in
            guard !mailbox.stopping else { return false }
            mailbox.commands.append(command)
            // Under the lock: the loop thread cleans up `multi` only after it has seen `stopping`.
            curl_multi_wakeup(multi)
            return true
        }
    }

    // MARK: The loop thread

    private func run() {
        while true {
            let (commands, stopping) = mailbox.withLock { mailbox in
                defer { mailbox.commands = [] }
                return (mailbox.commands, mailbox.stopping)
            }
            for command in commands { apply(command) }
            if stopping { break }

            var stillRunning: Int32 = 0
            do {
                try CurlError.check(curl_multi_perform(multi, &stillRunning), "curl_multi_perform")
                completeFinished()
                try CurlError.check(curl_multi_poll(multi, nil, 0, Self.pollTimeoutMilliseconds, nil), "curl_multi_poll")
            } catch {
                // Only a broken multi handle or no memory gets here: fail what runs rather than spin on it.
                for transfer in running.values { end(transfer.takeUnretainedValue(), .failure(error)) }
            }
        }
        for transfer in running.values {
            let transfer = transfer.takeUnretainedValue()
            end(transfer, .failure(Self.shutDownError(transfer)))
        }
        idleHandles = []
        curl_multi_cleanup(multi)
    }

    private func apply(_ command: Command) {
        switch command {
        case .start(let transfer):
            switch transfer.phase {
            case .created: begin(transfer)
            case .abortedBeforeStart(let error): transfer.complete(.failure(error))
            case .running, .finished: break
            }
        case .resume(let transfer):
            guard case .running(let easy) = transfer.phase else { return }
            // May call the write callback at once with the bytes the transfer paused on.
            let code = curl_easy_pause(easy.raw, CCurl_PAUSE_CONT)
            if code != CURLE_OK { end(transfer, transfer.result(code, on: easy)) }
        case .abort(let transfer, let error):
            switch transfer.phase {
            case .created: transfer.phase = .abortedBeforeStart(error)
            case .running: end(transfer, .failure(error))
            case .abortedBeforeStart, .finished: break
            }
        }
    }

    private func begin(_ transfer: CurlTransfer) {
        let easy: CurlEasyHandle
        do {
            easy = try idleHandles.popLast() ?? CurlEasyHandle()
        } catch {
            transfer.complete(.failure(error))
            return
        }
        // Ownership: +1 for as long as libcurl may call back into the transfer; released in `end`.
        running[ObjectIdentifier(transfer)] = Unmanaged.passRetained(transfer)
        transfer.phase = .running(easy)
        do {
            try easy.prepare(configuration, for: transfer.request)
            try transfer.configure(easy)
            try CurlError.check(curl_multi_add_handle(multi, easy.raw), "curl_multi_add_handle")
        } catch {
            end(transfer, .failure(error))
        }
    }

    private func completeFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            // Copy out what is needed: curl_multi_remove_handle invalidates the message.
            guard message.pointee.msg == CURLMSG_DONE, let raw = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            var pointer: UnsafeMutableRawPointer?
            _ = CCurl_easy_getinfo_ptr(raw, CURLINFO_PRIVATE, &pointer)
            // Ownership: CURLOPT_PRIVATE is unretained; the +1 in `running` is released by `end`.
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(pointer!).takeUnretainedValue()
            guard case .running(let easy) = transfer.phase else { continue }
            end(transfer, transfer.result(code, on: easy))
        }
    }

    /// Takes a running transfer off libcurl, completes it and releases the loop's reference: exactly once,
    /// as only a running transfer gets here and it leaves `.running` here.
    private func end(_ transfer: CurlTransfer, _ result: Result<ResponseHead, any Error>) {
        guard case .running(let easy) = transfer.phase else { return }
        curl_multi_remove_handle(multi, easy.raw)  // a no-op when it was never added
        transfer.complete(result)
        easy.reset()  // drops libcurl's pointers to the transfer before the transfer can go away
        if idleHandles.count < Self.maxIdleHandles { idleHandles.append(easy) }
        running.removeValue(forKey: ObjectIdentifier(transfer))?.release()
    }

    private static func shutDownError(_ transfer: CurlTransfer) -> TransportError {
        .connectionClosed("transport shut down (\(CurlError.origin(of: transfer.request.url)))")
    }
}
