/// Finds the one kind of malformed TOML that crashes the bundled toml++ (3.4.0) instead of being reported: a
/// table header whose name starts with a character no key can start with (`[` then a line break, `[[=`,
/// `[[[a]]]`). toml++ asserts on it (an abort in debug builds, undefined behaviour in release builds); fixed
/// upstream in marzer/tomlplusplus#301, not yet in the TOMLKit release the package uses.
///
/// The scan follows just enough TOML to know where a statement starts (outside strings, comments and
/// multi-line arrays), so valid files are never flagged.
enum TOMLHeaderGuard {
    struct Problem: Equatable {
        let line: Int
        let column: Int
        let message: String
    }

    static func problem(in text: String) -> Problem? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var lineStart = 0
        var depth = 0  // open [ and { of values
        var atStatementStart = true

        func column(_ at: Int) -> Int {
            // Characters, not bytes: UTF-8 continuation bytes do not start one.
            1 + bytes[lineStart..<at].filter { $0 & 0xC0 != 0x80 }.count
        }
        func newLine(after at: Int) {
            line += 1
            lineStart = at + 1
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                newLine(after: index)
                atStatementStart = depth == 0
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                index = skipString(bytes, from: index, onNewLine: newLine)
                atStatementStart = false
            case UInt8(ascii: "[") where atStatementStart:
                var next = index + 1
                if next < bytes.count, bytes[next] == UInt8(ascii: "[") { next += 1 }
                while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\t") {
                    next += 1
                }
                if next < bytes.count, !canStartHeaderName(bytes[next]) {
                    let found = describeCharacter(bytes, at: next)
                    return Problem(
                        line: line, column: column(next),
                        message: "expected a table name after \"[\", found \(found)")
                }
                // The rest of a header line is its name and closing brackets.
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
                    if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                        index = skipString(bytes, from: index, onNewLine: newLine)
                    } else {
                        index += 1
                    }
                }
                atStatementStart = false
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                atStatementStart = false
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
                atStatementStart = false
                index += 1
            default:
                atStatementStart = false
                index += 1
            }
        }
        return nil
    }

    private static func describeCharacter(_ bytes: [UInt8], at index: Int) -> String {
        if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") { return "a line break" }
        // Four bytes hold any one UTF-8 encoded character.
        let text = String(decoding: bytes[index..<min(bytes.count, index + 4)], as: UTF8.self)
        return ConfigTOMLWriter.quoted(text.unicodeScalars.first.map { String($0) } ?? "")
    }

    /// A bare key character, a quote, or `]` (an empty name, which toml++ reports properly).
    private static func canStartHeaderName(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""),
            UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    /// The index just past the string starting at `start` (basic or literal, single- or multi-line); an
    /// unterminated one ends at the end of its line (single-line) or of the text (multi-line).
    private static func skipString(_ bytes: [UInt8], from start: Int, onNewLine: (Int) -> Void) -> Int {
        let quote = bytes[start]
        let isBasic = quote == UInt8(ascii: "\"")
        let isMultiLine = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (isMultiLine ? 3 : 1)
        while index < bytes.count {
            let byte = bytes[index]
            if isBasic, byte == UInt8(ascii: "\\") {
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { onNewLine(index + 1) }
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\n") {
                if !isMultiLine { return index }
                onNewLine(index)
            }
            if byte == quote {
                if !isMultiLine { return index + 1 }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                    // Up to two more quotes may close it: """a"""" is the string a" .
                    var end = index + 3
                    while end < bytes.count, end < index + 5, bytes[end] == quote { end += 1 }
                    return end
                }
            }
            index += 1
        }
        return index
    }
}
