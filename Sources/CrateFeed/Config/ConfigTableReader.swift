import TOMLKit

/// Reads typed values from one table of the configuration file (`[mqtt]`, one `[[route]]`, the root).
///
/// A value of the wrong type or out of range is reported as a problem under its full key and read as nil, so the
/// caller keeps its default and carries on: one pass finds every problem. Each key asked for is remembered, so
/// `reportUnknownKeys()` can flag the rest, with the closest known key as a suggestion.
final class ConfigTableReader {
    let table: TOMLTable
    /// The table's own key in problem lines: "" for the root, "mqtt", "route[2]".
    let keyPath: String
    let problems: ConfigProblems
    private var knownKeys: [String] = []

    init(_ table: TOMLTable, keyPath: String, problems: ConfigProblems) {
        self.table = table
        self.keyPath = keyPath
        self.problems = problems
    }

    /// The full key of `name` as problem lines show it.
    func key(_ name: String) -> String {
        let written = ConfigTOMLWriter.key(name)
        return keyPath.isEmpty ? written : "\(keyPath).\(written)"
    }

    /// Reports a problem about `name` unless `condition` holds.
    func require(_ condition: Bool, _ name: String, _ message: @autoclosure () -> String) {
        if !condition { problems.add(key(name), message()) }
    }

    func report(_ name: String, _ message: String) {
        problems.add(key(name), message)
    }

    /// Reports `name` unless `file` is a regular file that can be read.
    func requireReadable(_ file: String, _ name: String) {
        do {
            try ConfigFile.checkReadable(file)
        } catch {
            report(name, "cannot read \(ConfigTOMLWriter.quoted(file)): \(error)")
        }
    }

    /// The raw value, marking `name` as a known key.
    func value(_ name: String) -> TOMLValueConvertible? {
        knownKeys.append(name)
        return table[name]
    }

    func contains(_ name: String) -> Bool {
        value(name) != nil
    }

    // MARK: Scalars

    func string(_ name: String) -> String? {
        guard let value = value(name) else { return nil }
        guard let string = value.string else { return mismatch(name, value, "a string") }
        return string
    }

    /// A string that must not be empty.
    func text(_ name: String) -> String? {
        guard let string = string(name) else { return nil }
        guard !string.isEmpty else {
            report(name, "is empty")
            return nil
        }
        return string
    }

    func bool(_ name: String) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let bool = value.bool else { return mismatch(name, value, "true or false") }
        return bool
    }

    func integer(_ name: String, minimum: Int = .min, maximum: Int = .max) -> Int? {
        guard let value = value(name) else { return nil }
        guard let integer = value.int else { return mismatch(name, value, "an integer") }
        guard integer >= minimum, integer <= maximum else {
            if maximum == .max {
                report(name, "\(integer) is less than \(minimum)")
            } else {
                report(name, "\(integer) is not between \(minimum) and \(maximum)")
            }
            return nil
        }
        return integer
    }

    /// Seconds, written as a duration string or a bare number. `allowZero: false` demands more than 0.
    /// Without an explicit `maximum`, ten years: no timer needs more, and every consumer's arithmetic fits.
    func duration(_ name: String, minimum: Double = 0, maximum: Double? = nil, allowZero: Bool = false)
        -> Double?
    {
        guard let value = value(name) else { return nil }
        let seconds: Double?
        switch value.type {
        case .string: seconds = DurationText.parse(value.string!)
        case .int: seconds = Double(value.int!)
        case .double: seconds = value.double!.isFinite ? value.double! : nil
        default: seconds = nil
        }
        guard let seconds, seconds >= 0 else { return mismatch(name, value, DurationText.expected) }
        if seconds == 0, !allowZero, minimum == 0 {
            report(name, "\(describe(value)) must be more than 0")
            return nil
        }
        let upper = maximum ?? Self.longestDuration
        guard seconds >= minimum, seconds <= upper else {
            let range =
                maximum != nil
                ? "is not between \(DurationText.format(minimum)) and \(DurationText.format(upper))"
                : seconds > upper
                    ? "is longer than \(DurationText.format(upper))"
                    : "is less than \(DurationText.format(minimum))"
            report(name, "\(describe(value)) \(range)")
            return nil
        }
        return seconds
    }

    static let longestDuration: Double = 3650 * 86400

    /// Bytes, written as a size string or a bare integer.
    func size(_ name: String, minimum: Int64 = 1, maximum: Int64 = .max) -> Int64? {
        guard let value = value(name) else { return nil }
        let bytes: Int64?
        switch value.type {
        case .string: bytes = ByteSizeText.parse(value.string!)
        case .int: bytes = value.int! >= 0 ? Int64(value.int!) : nil
        default: bytes = nil
        }
        guard let bytes else { return mismatch(name, value, ByteSizeText.expected) }
        guard bytes >= minimum, bytes <= maximum else {
            let range =
                maximum == .max
                ? "is less than \(ByteSizeText.format(minimum))"
                : "is not between \(ByteSizeText.format(minimum)) and \(ByteSizeText.format(maximum))"
            report(name, "\(describe(value)) \(range)")
            return nil
        }
        return bytes
    }

    /// One of an enum's string raw values. An integer is taken as its decimal text (`protocol = 5`).
    /// `listing` replaces the generated "one of a, b, c" where the plain list would mislead.
    func choice<Choice: CaseIterable & RawRepresentable>(_ name: String, listing: String? = nil) -> Choice?
    where Choice.RawValue == String {
        guard let value = value(name) else { return nil }
        let text = value.string ?? value.int.map { String($0) }
        if let text, let choice = Choice(rawValue: text) { return choice }
        let names = Choice.allCases.map(\.rawValue)
        let expected =
            listing
            ?? (names.count == 2
                ? "\(names[0]) or \(names[1])" : "one of \(names.joined(separator: ", "))")
        report(name, "\(describe(value)) is not \(expected)")
        return nil
    }

    func stringArray(_ name: String) -> [String]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else { return mismatch(name, value, "an array of strings") }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.string else {
                problems.add("\(key(name))[\(index + 1)]", "\(describe(element)) is not a string")
                return nil
            }
            strings.append(string)
        }
        return strings
    }

    // MARK: Secrets

    /// `password` keys are refused: secrets live in files, never in the configuration itself.
    func rejectPassword(_ name: String, fileKey: String) {
        guard contains(name) else { return }
        report(
            name,
            "passwords do not belong in the configuration file; put the password in a file and set "
                + "\(key(fileKey)) to its path, or to a credential name under systemd's LoadCredential=")
    }

    // MARK: Tables

    /// A sub-table, or nil when it is absent or not a table (reported).
    func table(_ name: String) -> ConfigTableReader? {
        guard let value = value(name) else { return nil }
        guard let table = value.table else { return mismatch(name, value, "a table") }
        return ConfigTableReader(table, keyPath: key(name), problems: problems)
    }

    /// An array of tables (`[[route]]`), each keyed `name[1]`, `name[2]`, ...; nil when absent.
    func tables(_ name: String) -> [ConfigTableReader]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else {
            report(name, "is a single table; write [[\(name)]] (double brackets) before each one")
            return nil
        }
        var readers: [ConfigTableReader] = []
        for (index, element) in array.enumerated() {
            let elementKey = "\(key(name))[\(index + 1)]"
            guard let table = element.table else {
                problems.add(elementKey, "\(describe(element)) is not a table")
                continue
            }
            readers.append(ConfigTableReader(table, keyPath: elementKey, problems: problems))
        }
        return readers
    }

    /// Flags every key of this table that was never asked for.
    func reportUnknownKeys() {
        for name in table.keys where !knownKeys.contains(name) {
            let suggestion = KeySuggestion.closest(to: name, among: knownKeys).map { " (did you mean \($0)?)" }
            report(name, "unknown key" + (suggestion ?? ""))
        }
    }

    // MARK: Describing values

    /// A value as problem lines quote it: strings quoted, numbers as written, containers by kind.
    func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string:
            let string = value.string ?? ""
            return ConfigTOMLWriter.quoted(string.count > 60 ? String(string.prefix(57)) + "..." : string)
        case .int: return "\(value.int ?? 0)"
        case .double: return "\(value.double ?? 0)"
        case .bool: return "\(value.bool ?? false)"
        case .array: return "an array"
        case .table: return "a table"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    private func mismatch<T>(_ name: String, _ value: TOMLValueConvertible, _ expected: String) -> T? {
        report(name, "\(describe(value)) is not \(expected)")
        return nil
    }
}
