import Testing
@testable import CrateDB

/// Error pages that are not CrateDB's JSON become one short line.
@Suite struct ErrorTextTests {
    /// What `python3 -m http.server` answers to a POST (a proxy's page looks much the same).
    static let page = """
        <!DOCTYPE HTML>
        <html lang="en">
            <head>
                <meta charset="utf-8">
                <title>Error response</title>
            </head>
            <body>
                <h1>Error response</h1>
                <p>Error code: 501</p>
                <p>Message: Unsupported method ('POST').</p>
                <p>Error code explanation: 501 - Server does not support this operation.</p>
            </body>
        </html>

        """

    @Test func anHTMLPageBecomesItsTextOnOneLine() {
        let text = ErrorText.oneLine(Array(Self.page.utf8), contentType: "text/html;charset=utf-8")
        #expect(
            text == "Error response Error code: 501 Message: Unsupported method ('POST'). "
                + "Error code explanation: 501 - Server does not support this operation.")
    }

    @Test func plainTextKeepsItsWordsOnOneLine() {
        let text = ErrorText.oneLine(Array("  password authentication failed\nfor user \"x\"\r\n".utf8), contentType: "text/plain")
        #expect(text == "password authentication failed for user \"x\"")
    }

    @Test func longTextIsCut() {
        let text = ErrorText.oneLine(Array(String(repeating: "word ", count: 500).utf8), contentType: nil)
        #expect(text.count <= ErrorText.maximumLength + 3)
        #expect(text.hasSuffix("..."))
    }

    @Test func aServerErrorFromAPageIsOneLine() {
        let response = HTTPResponse(status: 501, headers: ["content-type": "text/html"], body: Array(Self.page.utf8))
        let error = Connection.serverError(response, json: nil)
        #expect(error.status == 501 && error.code == 0)
        #expect(!error.description.contains("\n"))
        #expect(error.message.hasPrefix("Error response Error code: 501"))
    }
}
