/// TLS settings for `https://` URLs, the counterpart of the Python client's verify_ssl_cert, ca_cert,
/// cert_file and key_file.
public struct TLSConfiguration: Sendable {
    /// Verify the server's certificate chain AND that it names the host in the URL. Off only when set explicitly.
    public var verifyPeer: Bool = true
    /// A PEM CA bundle file; nil uses the system store.
    public var caCertPath: String? = nil
    /// A PEM client certificate, for nodes that authenticate clients by certificate.
    public var clientCertPath: String? = nil
    /// The client certificate's PEM private key (unencrypted).
    public var clientKeyPath: String? = nil

    public init(
        verifyPeer: Bool = true,
        caCertPath: String? = nil,
        clientCertPath: String? = nil,
        clientKeyPath: String? = nil
    ) {
        self.verifyPeer = verifyPeer
        self.caCertPath = caCertPath
        self.clientCertPath = clientCertPath
        self.clientKeyPath = clientKeyPath
    }
}
