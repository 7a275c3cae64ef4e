import Foundation

/// A child process for the tests, spawned with a clean signal mask.
///
/// Foundation's `Process` spawns with the mask of whichever thread calls it, and libdispatch's worker threads
/// block SIGTERM, SIGHUP and friends: a mosquitto started that way never sees the SIGTERM that should stop it.
/// This helper resets the mask and the default signal actions in the child, and reaps it with waitpid.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Write end of the child's stdin when `pipeStdin` was asked for.
    public let stdin: FileHandle?
    /// Read end of the child's stdout when `pipeStdout` was asked for.
    public let stdout: FileHandle?
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// `output` is a file for stdout and stderr (when not piped); nil means /dev/null.
    public init(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, output: String? = nil,
        pipeStdin: Bool = false, pipeStdout: Bool = false
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // Pipes are close-on-exec, so children spawned at the same time by other tests do not hold their ends
        // open (a mosquitto_pub would never see the end of its input); dup2 in the child clears the flag.
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        if pipeStdin {
            pipe(&inputPipe)
            inputPipe.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inputPipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        let sink = output ?? "/dev/null"
        if pipeStdout {
            pipe(&outputPipe)
            outputPipe.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
            posix_spawn_file_actions_addclose(&actions, outputPipe[0])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, sink, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        }
        posix_spawn_file_actions_addopen(&actions, 2, sink, O_WRONLY | O_CREAT | O_APPEND, 0o600)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environmentStrings.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, environmentStrings)
        if pipeStdin { close(inputPipe[0]) }
        if pipeStdout { close(outputPipe[1]) }
        guard result == 0 else { throw StandInError("cannot start \(path): errno \(result)") }
        pid = child
        stdin = pipeStdin ? FileHandle(fileDescriptor: inputPipe[1], closeOnDealloc: true) : nil
        stdout = pipeStdout ? FileHandle(fileDescriptor: outputPipe[0], closeOnDealloc: true) : nil
    }

    deinit { stop() }

    /// The exit status (128+N after signal N), once the child has ended.
    public var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                exitStatus = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            }
        }
        return exitStatus
    }

    public var isRunning: Bool { status == nil }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits for the child to end; nil when it is still running at the deadline.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status { return status }
            usleep(10_000)
        }
        return status
    }

    /// SIGTERM, then SIGKILL when it has not ended within `timeout`; always reaps the child.
    public func stop(timeout: Double = 20) {
        guard isRunning else { return }
        signal(SIGTERM)
        if waitForExit(timeout: timeout) == nil {
            signal(SIGKILL)
            waitForExit(timeout: 10)
        }
    }
}
