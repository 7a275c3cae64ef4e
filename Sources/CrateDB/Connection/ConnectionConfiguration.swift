/// How a `Connection` reaches CrateDB; the counterpart of the official client's `connect()` arguments.
public struct ConnectionConfiguration: Sendable {
    /// Server URLs, `http://host:4200` or `https://...`; requests rotate over them.
    public var servers: [String] = ["http://127.0.0.1:4200"]
    public var username: String? = nil
    public var password: String? = nil
    /// Sent as `Default-Schema`; CrateDB's default is `doc`.
    public var defaultSchema: String? = nil
    /// Seconds a failed server is set aside before it is tried again.
    public var retryInterval: Double = 30
    /// Ask CrateDB for a stack trace with each error (`?error_trace=true`).
    public var errorTrace: Bool = false
    /// Timeouts, TLS, request compression and connection limits.
    public var transport = TransportConfiguration()

    public init(servers: [String] = ["http://127.0.0.1:4200"]) {
        self.servers = servers
    }

    /// Checks the server URLs: each one http or https with a host, and no path, query or credentials.
    func validatedServers() throws -> [String] {
        guard !servers.isEmpty else { throw CrateDBError.invalidConfiguration("no CrateDB server given") }
        return try servers.map { raw in
            var url = raw.trimmingCharacters(in: .whitespaces)
            if !url.contains("://") { url = "http://" + url }
            while url.hasSuffix("/") { url.removeLast() }
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
                components.path.isEmpty, components.query == nil, components.user == nil
            else {
                throw CrateDBError.invalidConfiguration(
                    "server \"\(raw)\" is not a CrateDB URL: use http://host:4200 or https://host:4200")
            }
            return url
        }
    }
}

import Foundation
