import Foundation

/// Durations as the configuration writes them: "500ms", "30s", "5m", "2h", "7d", combinations such as "1h30m",
/// decimals such as "1.5s", or a bare number of seconds. Values are seconds as `Double`.
enum DurationText {
    static let expected = "a duration such as \"500ms\", \"30s\", \"5m\", \"2h\", \"7d\" or a number of seconds"

    private static let unitSeconds: [(suffix: String, seconds: Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = plainNumber(trimmed) { return seconds }

        var total = 0.0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let number = plainNumber(String(digits)) else { return nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            guard let match = unitSeconds.first(where: { $0.suffix == unit.lowercased() }) else { return nil }
            total += number * match.seconds
            rest = rest.dropFirst(unit.count).drop { $0 == " " }
        }
        return trimmed.isEmpty || !total.isFinite ? nil : total
    }

    /// The shortest exact form in the largest unit that divides the value: 604800 -> "7d", 0.5 -> "500ms".
    static func format(_ seconds: Double) -> String {
        let milliseconds = (seconds * 1000).rounded()
        guard abs(milliseconds / 1000 - seconds) < 1e-9, abs(milliseconds) < 9e15 else {
            var text = String(format: "%.6f", seconds)
            while text.hasSuffix("0") { text.removeLast() }
            return text + "s"
        }
        let whole = Int64(milliseconds)
        for (suffix, unit) in unitSeconds.reversed() {
            let unitMilliseconds = Int64(unit * 1000)
            if whole != 0, whole % unitMilliseconds == 0 { return "\(whole / unitMilliseconds)\(suffix)" }
        }
        return whole == 0 ? "0s" : "\(whole)ms"
    }

    /// Digits with at most one decimal point; what `Double()` alone would also take ("inf", "0x1p3", "1e3") is
    /// not a duration.
    private static func plainNumber(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            text.filter({ $0 == "." }).count <= 1, text != "."
        else { return nil }
        return Double(text)
    }
}
