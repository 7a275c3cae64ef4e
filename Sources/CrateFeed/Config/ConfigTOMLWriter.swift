/// Writes the effective configuration as TOML, one `key = value` line at a time, in the same key names and
/// units the file uses, so the output parses back into the same configuration.
struct ConfigTOMLWriter {
    private(set) var text = ""

    mutating func comment(_ line: String) {
        text += "# \(line)\n"
    }

    mutating func section(_ name: String) {
        text += (text.isEmpty ? "" : "\n") + "[\(name)]\n"
    }

    mutating func arraySection(_ name: String) {
        text += (text.isEmpty ? "" : "\n") + "[[\(name)]]\n"
    }

    mutating func string(_ key: String, _ value: String, comment: String? = nil) {
        line(key, Self.quoted(value), comment)
    }

    mutating func string(_ key: String, _ value: String?, comment: String? = nil) {
        if let value { string(key, value, comment: comment) }
    }

    mutating func integer(_ key: String, _ value: Int, comment: String? = nil) {
        line(key, "\(value)", comment)
    }

    mutating func bool(_ key: String, _ value: Bool, comment: String? = nil) {
        line(key, "\(value)", comment)
    }

    mutating func duration(_ key: String, _ seconds: Double, comment: String? = nil) {
        line(key, Self.quoted(DurationText.format(seconds)), comment)
    }

    mutating func size(_ key: String, _ bytes: Int64, comment: String? = nil) {
        line(key, Self.quoted(ByteSizeText.format(bytes)), comment)
    }

    mutating func strings(_ key: String, _ values: [String], comment: String? = nil) {
        line(key, "[" + values.map(Self.quoted).joined(separator: ", ") + "]", comment)
    }

    private mutating func line(_ key: String, _ value: String, _ comment: String?) {
        text += "\(Self.key(key)) = \(value)" + (comment.map { "  # \($0)" } ?? "") + "\n"
    }

    /// A bare key when TOML allows one, else a quoted key (`"room.temp"`).
    static func key(_ key: String) -> String {
        let bare =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
            }
        return bare ? key : quoted(key)
    }

    /// A TOML basic string: backslash, quote and control characters escaped.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
