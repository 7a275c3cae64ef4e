import ArgumentParser
import CrateDB
import Foundation

/// The options every command that talks to CrateDB shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "CrateDB server URLs, comma-separated (http:// or https://).")
    var servers: String = "http://127.0.0.1:4200"

    @Option(name: .long, help: "User name for Basic authentication.")
    var user: String?

    @Option(name: .long, help: "File holding the password (never pass a password on the command line).")
    var passwordFile: String?

    @Option(name: .long, help: "CA bundle to verify the servers' certificates with (default: the system store).")
    var caCert: String?

    @Flag(name: .long, help: "Do not verify the servers' TLS certificates (unsafe).")
    var insecure = false

    @Option(name: .long, help: "Client certificate file for TLS client authentication.")
    var certFile: String?

    @Option(name: .long, help: "Client key file for TLS client authentication.")
    var keyFile: String?

    @Option(name: .long, help: "Default schema for unqualified table names.")
    var schema: String?

    @Option(name: .long, help: "Request timeout in seconds (blob put and get have none: see --stall-timeout).")
    var timeout: Double = 30

    func validate() throws {
        // Basic authentication needs a user name; a password alone would silently not be sent.
        if passwordFile != nil, user == nil {
            throw ValidationError("--password-file needs --user (the user the password belongs to)")
        }
    }

    func connect() throws -> Connection {
        var configuration = ConnectionConfiguration(
            servers: servers.split(separator: ",").map { String($0) }.filter { !$0.isEmpty })
        configuration.username = user
        if let passwordFile {
            guard let password = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw CommandFailure("cannot read the password file \(passwordFile)")
            }
            configuration.password = password.trimmingCharacters(in: .newlines)
        }
        configuration.defaultSchema = schema
        configuration.transport.requestTimeout = timeout
        configuration.transport.tls.caCertPath = caCert
        configuration.transport.tls.verifyPeer = !insecure
        configuration.transport.tls.clientCertPath = certFile
        configuration.transport.tls.clientKeyPath = keyFile
        return try Connection(configuration)
    }
}
