import Foundation

/// `[cratedb]`: the nodes cratefeed writes to, and where rows that cannot be stored go.
public struct CrateDBSettings: Sendable, Equatable {
    /// `http://host:4200` or `https://...`; requests rotate over them.
    public var servers = ["http://127.0.0.1:4200"]
    public var username: String? = nil
    /// The file the password was read from (resolved through `$CREDENTIALS_DIRECTORY`).
    public var passwordFile: String? = nil
    public var password: Secret? = nil
    /// PEM CA bundle for https:// servers; nil = the system store.
    public var caCert: String? = nil
    /// Verify the servers' certificates and host names; off only when set explicitly.
    public var verifySSLCert = true
    public var certFile: String? = nil
    public var keyFile: String? = nil
    /// Seconds for one request.
    public var timeout: Double = 30
    /// Seconds to establish a connection (TCP and TLS).
    public var connectTimeout: Double = 5
    /// Seconds a failed server is set aside before it is tried again.
    public var retryInterval: Double = 30
    /// For unqualified table names.
    public var schema = "doc"
    /// Rows CrateDB rejects and messages that cannot be decoded; in `schema` unless qualified.
    public var deadLetterTable = "cratefeed_dead_letters"
    /// gzip request bodies of 8 KiB and more. Off by default: on a LAN it costs more CPU than it saves.
    public var gzip = false

    public init() {}

    init(reading reader: ConfigTableReader, environment: [String: String]) {
        if let list = reader.stringArray("servers") {
            reader.require(!list.isEmpty, "servers", "is empty; list at least one CrateDB node")
            servers = validServers(list, reader)
        }
        username = reader.text("username")
        reader.rejectPassword("password", fileKey: "password_file")
        if let name = reader.string("password_file") {
            reader.require(username != nil, "password_file", "needs \(reader.key("username")) as well")
            let loaded = SecretFile.load(
                name, key: reader.key("password_file"), environment: environment, problems: reader.problems)
            passwordFile = loaded?.path
            password = loaded?.secret
        }

        caCert = reader.text("ca_cert")
        verifySSLCert = reader.bool("verify_ssl_cert") ?? verifySSLCert
        certFile = reader.text("cert_file")
        keyFile = reader.text("key_file")
        let anyHTTPS = servers.contains { $0.lowercased().hasPrefix("https://") }
        for (name, file) in [("ca_cert", caCert), ("cert_file", certFile), ("key_file", keyFile)] {
            guard let file else { continue }
            reader.require(anyHTTPS, name, "needs an https:// server; none of cratedb.servers uses TLS")
            reader.requireReadable(file, name)
        }
        reader.require(
            verifySSLCert || anyHTTPS, "verify_ssl_cert", "needs an https:// server; none of cratedb.servers uses TLS")
        reader.require(
            (certFile == nil) == (keyFile == nil), certFile == nil ? "key_file" : "cert_file",
            certFile == nil ? "needs cert_file as well" : "needs key_file as well")

        timeout = reader.duration("timeout") ?? timeout
        connectTimeout = reader.duration("connect_timeout") ?? connectTimeout
        retryInterval = reader.duration("retry_interval") ?? retryInterval
        if let name = reader.text("schema") {
            if let problem = CrateDBName.identifierProblem(name, "schema name") {
                reader.report("schema", problem)
            } else {
                schema = name
            }
        }
        if let name = reader.text("dead_letter_table") {
            if let problem = CrateDBName.tableProblem(name) {
                reader.report("dead_letter_table", problem)
            } else {
                deadLetterTable = name
            }
        }
        gzip = reader.bool("gzip") ?? gzip
        reader.reportUnknownKeys()
    }

    /// The servers that are CrateDB URLs, normalised as the CrateDB library does; the others are reported.
    private func validServers(_ list: [String], _ reader: ConfigTableReader) -> [String] {
        var valid: [String] = []
        for (index, raw) in list.enumerated() {
            let key = "\(reader.key("servers"))[\(index + 1)]"
            var url = raw.trimmingCharacters(in: .whitespaces)
            if !url.contains("://") { url = "http://" + url }
            while url.hasSuffix("/") { url.removeLast() }
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
                components.path.isEmpty, components.query == nil, components.fragment == nil
            else {
                reader.problems.add(key, "\(ConfigTOMLWriter.quoted(raw)) is not an http:// or https:// URL")
                continue
            }
            guard components.user == nil, components.password == nil else {
                reader.problems.add(key, "must not hold credentials; set username and password_file instead")
                continue
            }
            guard !valid.contains(url) else {
                reader.problems.add(key, "\(ConfigTOMLWriter.quoted(raw)) is listed twice")
                continue
            }
            valid.append(url)
        }
        return valid
    }

    func write(to writer: inout ConfigTOMLWriter) {
        writer.section("cratedb")
        writer.strings("servers", servers)
        writer.string("username", username)
        writer.string("password_file", passwordFile, comment: "password read, not shown")
        writer.string("ca_cert", caCert)
        writer.bool("verify_ssl_cert", verifySSLCert)
        writer.string("cert_file", certFile)
        writer.string("key_file", keyFile)
        writer.duration("timeout", timeout)
        writer.duration("connect_timeout", connectTimeout)
        writer.duration("retry_interval", retryInterval)
        writer.string("schema", schema)
        writer.string("dead_letter_table", deadLetterTable)
        writer.bool("gzip", gzip)
    }
}
