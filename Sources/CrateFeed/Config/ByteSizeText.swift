/// Sizes as the configuration writes them: "512KiB", "16MiB", "1GiB" (powers of 1024), "10MB" (powers of
/// 1000), "100B", decimals such as "1.5GiB", or a bare number of bytes. Units are case-insensitive.
enum ByteSizeText {
    static let expected = "a size such as \"512KiB\", \"16MiB\", \"1GiB\", \"10MB\" or a number of bytes"

    private static let binaryUnits: [(suffix: String, bytes: Int64)] = [
        ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
    ]
    private static let decimalUnits: [(suffix: String, bytes: Int64)] = [
        ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000),
    ]

    static func parse(_ text: String) -> Int64? {
        let trimmed = Substring(text.trimmingCharacters(in: .whitespaces))
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count).drop { $0 == " " }.lowercased()
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != "." else { return nil }

        let multiplier: Int64
        if unit.isEmpty || unit == "b" {
            multiplier = 1
        } else if let match = (binaryUnits + decimalUnits).first(where: { $0.suffix.lowercased() == unit }) {
            multiplier = match.bytes
        } else {
            return nil
        }

        if let whole = Int64(number) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard let fraction = Double(number) else { return nil }
        let bytes = (fraction * Double(multiplier)).rounded()
        return bytes < 9.2e18 ? Int64(bytes) : nil
    }

    /// The unit that divides the value exactly into the smallest number: 16777216 -> "16MiB", 2e9 -> "2GB".
    static func format(_ bytes: Int64) -> String {
        let exact = (binaryUnits + decimalUnits).filter { bytes != 0 && bytes % $0.bytes == 0 }
        guard let best = exact.min(by: { bytes / $0.bytes < bytes / $1.bytes }) else { return "\(bytes)B" }
        return "\(bytes / best.bytes)\(best.suffix)"
    }
}
