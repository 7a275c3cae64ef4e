import Foundation

/// What a caller can see of one server: whether requests go to it, and why not.
public struct ServerStatus: Sendable, Equatable {
    public let url: String
    public let isActive: Bool
    /// The last failure that set the server aside, if it is (or was) set aside.
    public let lastFailure: String?
}

/// The servers a connection rotates over, as the official client does it.
///
/// Each request takes the first active server and rotates the list (round robin). A server that fails is set
/// aside; after `retryInterval` seconds it becomes active again. When none is active, the one set aside the
/// longest is tried anyway, so a recovered cluster is found without waiting for the interval.
final class ServerPool: Sendable {
    private struct Inactive {
        let url: String
        let since: Double
        let reason: String
    }

    private struct State {
        var active: [String]
        var inactive: [Inactive] = []
        var lastFailure: [String: String] = [:]
    }

    let servers: [String]
    let retryInterval: Double
    private let state: Locked<State>
    private let now: @Sendable () -> Double

    init(servers: [String], retryInterval: Double, now: @escaping @Sendable () -> Double = { ServerPool.monotonicSeconds() }) {
        self.servers = servers
        self.retryInterval = retryInterval
        self.now = now
        self.state = Locked(State(active: servers))
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The server the next request goes to.
    func next() -> String {
        let current = now()
        return state.withLock { state in
            // Bring back every server whose time out is over, in the order they were set aside.
            let (ready, waiting) = state.inactive.partitioned { current - $0.since >= retryInterval }
            state.active.append(contentsOf: ready.map(\.url))
            state.inactive = waiting
            if !state.active.isEmpty {
                let server = state.active.removeFirst()
                state.active.append(server)
                return server
            }
            let oldest = state.inactive.removeFirst()
            state.active.append(oldest.url)
            return oldest.url
        }
    }

    /// Sets a server aside after a connection error, a timeout, a TLS error or a 502/503/504/509.
    func setAside(_ server: String, reason: String) {
        let current = now()
        state.withLock { state in
            state.lastFailure[server] = reason
            guard let position = state.active.firstIndex(of: server) else { return }
            state.active.remove(at: position)
            state.inactive.append(Inactive(url: server, since: current, reason: reason))
        }
    }

    var hasActiveServer: Bool {
        state.withLock { !$0.active.isEmpty }
    }

    var statuses: [ServerStatus] {
        state.withLock { state in
            servers.map { url in
                ServerStatus(
                    url: url, isActive: !state.inactive.contains { $0.url == url }, lastFailure: state.lastFailure[url])
            }
        }
    }

    /// Each server with the failure that set it aside last: what an all-servers-down error reports.
    var failures: [ServerFailure] {
        state.withLock { state in
            servers.compactMap { url in state.lastFailure[url].map { ServerFailure(server: url, reason: $0) } }
        }
    }
}

extension Array {
    fileprivate func partitioned(by isFirst: (Element) -> Bool) -> ([Element], [Element]) {
        var first: [Element] = []
        var second: [Element] = []
        for element in self {
            if isFirst(element) { first.append(element) } else { second.append(element) }
        }
        return (first, second)
    }
}
