import Logging

/// One log call, made ready for either output: priority, message, and the metadata as sorted key/value text
/// with secrets already dropped.
struct LogRecord {
    var priority: Int
    var message: String
    /// Metadata keys as the caller wrote them, values rendered to text, sorted by key; no secrets, no control keys.
    var metadata: [(key: String, value: String)]
    var event: CrateFeedEvent?
    /// Similar messages the rate limiter held back before this one.
    var suppressed: Int
    var file: String
    var function: String
    var line: UInt

    static let syslogIdentifier = "cratefeed"
    /// The metadata key that names a rate-limiting group explicitly (e.g. "insert_failed:sensors"), for
    /// messages whose text varies; it is not written out.
    static let rateLimitKey = "ratelimit_key"
    /// Prefix of cratefeed's own journal fields: metadata `topic` becomes CRATEFEED_TOPIC.
    static let fieldPrefix = "CRATEFEED_"

    /// - Parameter metadata: handler, provider and call metadata already merged.
    init(event: Logging.LogEvent, metadata: Logger.Metadata, suppressed: Int) {
        var merged = metadata
        if let error = event.error, merged["error"] == nil {
            merged["error"] = .string("\(error)")
        }
        merged[Self.rateLimitKey] = nil
        self.priority = Self.priority(event.level)
        self.message = event.message.description
        self.event = merged[CrateFeedEvent.metadataKey].flatMap { CrateFeedEvent(rawValue: Self.render($0)) }
        self.metadata = merged.filter { !Self.isSecret($0.key) }
            .map { (key: $0.key, value: Self.render($0.value)) }
            .sorted { $0.key < $1.key }
        self.suppressed = suppressed
        self.file = event.file
        self.function = event.function
        self.line = event.line
    }

    /// The message with the rate limiter's count, when it held any back.
    var fullMessage: String {
        suppressed > 0 ? "\(message) (\(suppressed) similar messages suppressed)" : message
    }

    /// The native journal entry, in order: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_*, MESSAGE_ID,
    /// CRATEFEED_* (and CRATEFEED_SUPPRESSED).
    var journalFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", fullMessage),
            ("PRIORITY", String(priority)),
            ("SYSLOG_IDENTIFIER", Self.syslogIdentifier),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        if let event { fields.append(("MESSAGE_ID", event.messageID)) }
        for (key, value) in metadata {
            if let name = Self.journalFieldName(key) { fields.append((name, value)) }
        }
        if suppressed > 0 { fields.append((Self.fieldPrefix + "SUPPRESSED", String(suppressed))) }
        return fields
    }

    /// One stderr line: `<6>message key=value key="two words"`, newline-terminated. Line breaks inside are
    /// escaped so one record stays one line (journald's stream reader splits on them).
    var stderrLine: String {
        var line = "<\(priority)>" + Self.escapingLineBreaks(fullMessage)
        for (key, value) in metadata {
            line += " " + Self.lineKey(key) + "=" + Self.quotedIfNeeded(value)
        }
        return line + "\n"
    }

    /// syslog(3) priorities: there is no trace, so trace and debug share 7.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// CRATEFEED_ + the key upper-cased, every character outside A-Z and 0-9 made `_`, at most 64 characters
    /// (journald's limit); nil for an empty key.
    static func journalFieldName(_ key: String) -> String? {
        guard !key.isEmpty else { return nil }
        var name = fieldPrefix
        for scalar in key.unicodeScalars.prefix(64 - fieldPrefix.count) {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        return name
    }

    /// Keys whose values are never written: anything that mentions a password, secret, token or
    /// authorization, in any case ("mqtt_password", "Authorization", "api-token").
    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    private static let secretWords = ["password", "secret", "token", "authorization"]

    /// Metadata values as text; nested dictionaries lose their secret keys too.
    static func render(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return "[" + values.map(render).joined(separator: ", ") + "]"
        case .dictionary(let dictionary):
            let entries = dictionary.filter { !isSecret($0.key) }.sorted { $0.key < $1.key }
            return "[" + entries.map { "\($0.key): \(render($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// A key as one word: characters other than letters, digits, `_`, `-` and `.` become `_`.
    private static func lineKey(_ key: String) -> String {
        var word = ""
        for scalar in key.unicodeScalars {
            let keep = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_" || scalar == "-" || scalar == "."
            word.unicodeScalars.append(keep ? scalar : "_")
        }
        return word.isEmpty ? "_" : word
    }

    private static func escapingLineBreaks(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else { return text }
        return escaped(text)
    }

    /// Bare when it is one word; otherwise in double quotes with `"`, `\` and control characters escaped.
    private static func quotedIfNeeded(_ value: String) -> String {
        let bare = !value.isEmpty && !value.unicodeScalars.contains {
            $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F
        }
        return bare ? value : "\"" + escaped(value, quotes: true) + "\""
    }

    private static func escaped(_ text: String, quotes: Bool = false) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t" where quotes: result += "\\t"
            case "\"" where quotes: result += "\\\""
            case "\\" where quotes: result += "\\\\"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
