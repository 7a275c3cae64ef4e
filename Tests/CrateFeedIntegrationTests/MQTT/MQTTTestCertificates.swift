import Foundation

/// A throwaway PKI made with the openssl tool: a CA, a server certificate for 127.0.0.1 and localhost and a
/// client certificate, both signed by it, and an unrelated second CA.
struct MQTTTestCertificates {
    let directory: String
    var caCert: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }
    var otherCACert: String { directory + "/other-ca.pem" }

    init() throws {
        directory = NSTemporaryDirectory() + "cratefeed-mqtt-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try makeCA("ca")
        try makeCA("other-ca")
        try makeLeaf("server", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try makeLeaf("client", extensions: "extendedKeyUsage=clientAuth\n")
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeCA(_ name: String) throws {
        try openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem", "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    }

    private func makeLeaf(_ name: String, extensions: String) throws {
        try extensions.write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
        try openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr", "-subj", "/CN=\(name)")
        try openssl(
            "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", caCert, "-CAkey", "\(directory)/ca.key",
            "-CAcreateserial", "-out", "\(directory)/\(name).pem", "-days", "2", "-extfile", "\(directory)/\(name).ext")
    }

    private func openssl(_ arguments: String...) throws {
        try MQTTTestBroker.run("/usr/bin/openssl", arguments)
    }
}
