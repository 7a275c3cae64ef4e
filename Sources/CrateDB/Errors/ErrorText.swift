import Foundation

/// Turns the body of an error response that is not CrateDB's JSON (a 401's plain text, a proxy's HTML page)
/// into one short line: error messages end up in one-line log entries and command-line errors.
enum ErrorText {
    /// Longer text is cut; the start of an error page says what went wrong.
    static let maximumLength = 200

    /// The body's text on one line: for HTML only the text of the body, tags dropped; whitespace runs
    /// collapsed to one space; cut to `maximumLength` characters with "..." when longer.
    static func oneLine(_ body: [UInt8], contentType: String?) -> String {
        // More than enough for the first 200 characters of any page, without decoding a large one whole.
        var text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        let isHTML = contentType?.lowercased().contains("html") == true
            || text.drop { $0.isWhitespace }.hasPrefix("<")
        if isHTML { text = textOfHTML(text) }
        return collapsed(text, limit: maximumLength)
    }

    /// Whitespace runs (line breaks included) as one space, trimmed, at most `limit` characters.
    static func collapsed(_ text: String, limit: Int = maximumLength) -> String {
        var result = ""
        var pendingSpace = false
        var count = 0
        for character in text {
            if character.isWhitespace || character.isNewline {
                pendingSpace = !result.isEmpty
                continue
            }
            if count + (pendingSpace ? 1 : 0) >= limit {
                result += "..."
                break
            }
            if pendingSpace {
                result.append(" ")
                count += 1
                pendingSpace = false
            }
            result.append(character)
            count += 1
        }
        return result
    }

    /// The text between the tags, from `<body>` on when there is one (the head holds only a title that the
    /// page repeats).
    private static func textOfHTML(_ html: String) -> String {
        var source = Substring(html)
        if let body = source.range(of: "<body", options: .caseInsensitive) { source = source[body.lowerBound...] }
        var text = ""
        var inTag = false
        for character in source {
            switch character {
            case "<": inTag = true
            case ">" where inTag:
                inTag = false
                text.append(" ")  // "<p>a</p><p>b</p>" reads "a b"
            default: if !inTag { text.append(character) }
            }
        }
        return text
    }
}
