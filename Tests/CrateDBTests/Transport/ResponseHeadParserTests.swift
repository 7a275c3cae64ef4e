import Testing

@testable import CrateDB

extension TransportTests {
    struct ResponseHeadParserTests {
        private func parse(_ lines: [String]) -> (ResponseHead, completed: Int) {
            var parser = ResponseHeadParser()
            let completed = lines.filter { parser.consume($0) }.count
            return (parser.head, completed)
        }

        @Test func readsStatusAndLowercasedTrimmedHeaders() {
            let (head, completed) = parse([
                "HTTP/1.1 201 Created\r\n", "Content-Type:  application/json \r\n", "X-Empty:\r\n", "\r\n",
            ])

            #expect(head.status == 201)
            #expect(head.headers == ["content-type": "application/json", "x-empty": ""])
            #expect(completed == 1)
        }

        @Test func joinsRepeatedHeadersAndFoldedLines() {
            let (head, _) = parse([
                "HTTP/1.1 200 OK\r\n", "Vary: Accept\r\n", "vary: Origin\r\n", "X-Long: first\r\n", "\t second\r\n", "\r\n",
            ])

            #expect(head.headers["vary"] == "Accept, Origin")
            #expect(head.headers["x-long"] == "first second")
        }

        @Test func eachStatusLineStartsANewHead() {
            let (head, completed) = parse([
                "HTTP/1.1 100 Continue\r\n", "\r\n",
                "HTTP/1.1 307 Temporary Redirect\r\n", "Location: http://node2:4200/_blobs/b/d\r\n", "\r\n",
                "HTTP/1.1 201 Created\r\n", "Content-Length: 0\r\n", "\r\n",
            ])

            #expect(head.status == 201)
            #expect(head.headers == ["content-length": "0"])
            #expect(completed == 3)
        }

        @Test func interimAndFollowedRedirectHeadsAreNotFinal() {
            let redirect = ResponseHead(status: 307, headers: ["location": "http://node2:4200/"])

            #expect(!ResponseHead(status: 100, headers: [:]).isFinal(followingRedirects: false))
            #expect(!redirect.isFinal(followingRedirects: true))
            #expect(redirect.isFinal(followingRedirects: false))
            #expect(ResponseHead(status: 307, headers: [:]).isFinal(followingRedirects: true))  // nowhere to go
            #expect(ResponseHead(status: 404, headers: [:]).isFinal(followingRedirects: true))
        }

        @Test func responseHeaderLookupIgnoresCase() {
            let response = HTTPResponse(status: 200, headers: ["content-type": "application/json"], body: [])

            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("X-Missing") == nil)
        }
    }
}
