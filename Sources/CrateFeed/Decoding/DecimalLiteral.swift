/// A decimal number read exactly from its text: value = ±significand × 10^exponent, keeping the first 19
/// significant digits. Used where a `Double` would round: epoch timestamps with fractions, exact integers.
struct DecimalLiteral {
    enum Grammar {
        /// RFC 8259: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        case json
        /// Also `+1`, `.5`, `5.` and leading zeros, as InfluxDB's line protocol and hand-written strings have them.
        case lenient
    }

    private(set) var negative = false
    private(set) var significand: UInt64 = 0
    private(set) var exponent = 0
    /// Non-zero digits beyond the 19 kept were dropped (the value is slightly larger in magnitude).
    private(set) var truncated = false
    private var keptDigits = 0

    /// Parses all of `text` as a number, or returns nil.
    static func parse(_ text: UnsafeRawBufferPointer, grammar: Grammar = .json) -> DecimalLiteral? {
        var number = DecimalLiteral()
        let count = text.count
        var index = 0
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < count && text[at] &- 0x30 < 10 }

        if index < count, text[index] == UInt8(ascii: "-") {
            number.negative = true
            index += 1
        } else if grammar == .lenient, index < count, text[index] == UInt8(ascii: "+") {
            index += 1
        }
        let integerStart = index
        while isDigit(index) {
            number.addDigit(text[index] &- 0x30, fraction: false)
            index += 1
        }
        let integerDigits = index - integerStart
        if grammar == .json {
            guard integerDigits > 0 else { return nil }
            if integerDigits > 1, text[integerStart] == UInt8(ascii: "0") { return nil }
        }
        var fractionDigits = 0
        if index < count, text[index] == UInt8(ascii: ".") {
            index += 1
            while isDigit(index) {
                number.addDigit(text[index] &- 0x30, fraction: true)
                index += 1
                fractionDigits += 1
            }
            if grammar == .json, fractionDigits == 0 { return nil }
        }
        guard integerDigits + fractionDigits > 0 else { return nil }
        if index < count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { return nil }
            var value = 0
            while isDigit(index) {
                // Saturate: any exponent this large over- or underflows every use anyway.
                value = min(value * 10 + Int(text[index] &- 0x30), 1_000_000)
                index += 1
            }
            number.exponent += exponentNegative ? -value : value
        }
        return index == count ? number : nil
    }

    private mutating func addDigit(_ digit: UInt8, fraction: Bool) {
        if significand == 0, digit == 0 {
            if fraction { exponent -= 1 }
            return
        }
        if keptDigits < 19 {
            significand = significand * 10 + UInt64(digit)
            keptDigits += 1
            if fraction { exponent -= 1 }
        } else {
            if !fraction { exponent += 1 }
            if digit != 0 { truncated = true }
        }
    }

    var isZero: Bool { significand == 0 }

    /// How many digits the integer part has (0 for values below 1): tells epoch units apart by magnitude.
    var integerDigitCount: Int {
        guard significand != 0 else { return 0 }
        var digits = 0
        var rest = significand
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return max(0, digits + exponent)
    }

    /// floor(value × 10^power) as Int64, or nil when it does not fit.
    func floored(timesPowerOfTen power: Int) -> Int64? {
        guard significand != 0 else { return 0 }
        let scale = exponent + power
        var magnitude: UInt64
        var remainder = truncated
        if scale >= 0 {
            guard scale <= 19 else { return nil }
            let (product, overflow) = significand.multipliedReportingOverflow(by: Self.powersOfTen[scale])
            guard !overflow else { return nil }
            magnitude = product
        } else if -scale > 19 {
            magnitude = 0
            remainder = true
        } else {
            let divisor = Self.powersOfTen[-scale]
            magnitude = significand / divisor
            remainder = remainder || significand % divisor != 0
        }
        if negative {
            if remainder { magnitude += 1 }
            guard magnitude <= Int64.min.magnitude else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)  // two's complement, so Int64.min fits too
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// The value when it is an integer that fits Int64 exactly (`12`, `1.2e1`), else nil (`1.5`, `1e19`).
    var exactInt64: Int64? {
        guard !truncated else { return nil }
        if exponent < 0, significand != 0 {
            guard -exponent <= 19, significand % Self.powersOfTen[-exponent] == 0 else { return nil }
        }
        return floored(timesPowerOfTen: 0)
    }

    /// The nearest Double; exact arithmetic for up to 15 digits and small exponents, the standard library otherwise.
    static func double(_ text: UnsafeRawBufferPointer, grammar: Grammar = .json) -> Double? {
        guard let number = parse(text, grammar: grammar) else { return nil }
        if !number.truncated, number.significand < 1 << 53, abs(number.exponent) <= 22 {
            var value = Double(number.significand)
            value = number.exponent >= 0 ? value * exactPowers[number.exponent] : value / exactPowers[-number.exponent]
            return number.negative ? -value : value
        }
        return Double(String(decoding: text, as: UTF8.self))
    }

    static let powersOfTen: [UInt64] = (0...19).map { power in (0..<power).reduce(UInt64(1)) { result, _ in result * 10 } }
    private static let exactPowers: [Double] = (0...22).map { power in (0..<power).reduce(1.0) { result, _ in result * 10 } }
}
