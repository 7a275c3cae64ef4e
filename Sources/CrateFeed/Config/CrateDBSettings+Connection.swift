import CrateDB

extension CrateDBSettings {
    /// The CrateDB client's settings for `[cratedb]`.
    public func connectionConfiguration() -> ConnectionConfiguration {
        var configuration = ConnectionConfiguration(servers: servers)
        configuration.username = username
        configuration.password = password?.value
        configuration.defaultSchema = schema
        configuration.retryInterval = retryInterval
        configuration.transport.requestTimeout = timeout
        configuration.transport.connectTimeout = connectTimeout
        if !gzip { configuration.transport.gzipThreshold = nil }
        configuration.transport.tls = TLSConfiguration(
            verifyPeer: verifySSLCert, caCertPath: caCert, clientCertPath: certFile, clientKeyPath: keyFile)
        return configuration
    }
}

extension Configuration {
    /// The CrateDB client's settings: `[cratedb]`, with enough connections per node for `batchesInFlight`.
    public func connectionConfiguration() -> ConnectionConfiguration {
        var configuration = cratedb.connectionConfiguration()
        configuration.transport.maxConnectionsPerHost = max(
            configuration.transport.maxConnectionsPerHost, batchesInFlight)
        return configuration
    }
}
