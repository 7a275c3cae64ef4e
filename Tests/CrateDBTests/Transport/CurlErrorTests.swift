import CCurl
import Glibc
import Testing

@testable import CrateDB

extension TransportTests {
    struct CurlErrorTests {
        private func map(_ code: CURLcode, detail: String = "detail", osErrno: Int32 = 0, url: String = "http://127.0.0.1:4201/_sql")
            -> TransportError
        {
            CurlError.transportError(code, detail: detail, osErrno: osErrno, url: url)
        }

        @Test func aRefusedConnectionReadsAsSuch() {
            let error = map(CURLE_COULDNT_CONNECT, detail: "Failed to connect to 127.0.0.1 port 4201", osErrno: ECONNREFUSED)

            guard case .connectFailed = error else { Issue.record("got \(error)"); return }
            #expect(error.description == "connection refused (http://127.0.0.1:4201)")
        }

        @Test(arguments: [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY])
        func connectFailures(_ code: CURLcode) {
            guard case .connectFailed(let message) = map(code) else { Issue.record("\(code)"); return }
            #expect(message == "detail (http://127.0.0.1:4201)")
        }

        @Test func timeouts() {
            guard case .timedOut = map(CURLE_OPERATION_TIMEDOUT) else { Issue.record("not timedOut"); return }
        }

        @Test(arguments: [
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CLIENTCERT,
        ])
        func tlsFailures(_ code: CURLcode) {
            guard case .tls = map(code) else { Issue.record("\(code) is not .tls"); return }
        }

        @Test(arguments: [CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_SEND_ERROR])
        func connectionClosedFailures(_ code: CURLcode) {
            guard case .connectionClosed = map(code) else { Issue.record("\(code) is not .connectionClosed"); return }
        }

        @Test func otherCodesKeepTheirNumberAndFallBackToCurlsText() {
            let error = map(CURLE_TOO_MANY_REDIRECTS, detail: "")

            guard case .other(let code, let message) = error else { Issue.record("got \(error)"); return }
            #expect(code == Int32(CURLE_TOO_MANY_REDIRECTS.rawValue))
            #expect(message == "\(String(cString: curl_easy_strerror(CURLE_TOO_MANY_REDIRECTS))) (http://127.0.0.1:4201)")
            #expect(error.description.hasSuffix("(curl error \(code))"))
        }

        @Test func messagesNeverShowURLCredentials() {
            let error = map(CURLE_RECV_ERROR, url: "https://crate:secret@node1.example:4200/_sql?types=true")

            #expect(error.description == "detail (https://node1.example:4200)")
        }

        @Test(arguments: [
            ("http://127.0.0.1:4200/_sql", "http://127.0.0.1:4200"),
            ("http://node1/_blobs/b/abc", "http://node1:80"),
            ("HTTPS://node1?x=1", "https://node1:443"),
            ("http://user@node1:4200#f", "http://node1:4200"),
            ("http://[::1]:4200/", "http://[::1]:4200"),
            ("https://[fe80::1]/", "https://[fe80::1]:443"),
            ("node1:4200", "unparsable URL"),
        ])
        func origins(_ url: String, _ origin: String) {
            #expect(CurlError.origin(of: url) == origin)
        }

        @Test func failedSetupCallsThrowOther() {
            #expect(throws: TransportError.self) { try CurlError.check(CURLE_UNKNOWN_OPTION, "CURLOPT_X") }
            #expect(throws: TransportError.self) { try CurlError.check(CURLM_BAD_HANDLE, "curl_multi_perform") }
            #expect(throws: Never.self) { try CurlError.check(CURLE_OK, "CURLOPT_X") }
        }
    }
}
