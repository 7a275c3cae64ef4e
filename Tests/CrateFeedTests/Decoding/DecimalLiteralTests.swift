import Testing
@testable import CrateFeed

@Suite struct DecimalLiteralTests {
    private func parse(_ text: String, _ grammar: DecimalLiteral.Grammar = .json) -> DecimalLiteral? {
        Array(text.utf8).withUnsafeBytes { DecimalLiteral.parse($0, grammar: grammar) }
    }

    private func double(_ text: String, _ grammar: DecimalLiteral.Grammar = .json) -> Double? {
        Array(text.utf8).withUnsafeBytes { DecimalLiteral.double($0, grammar: grammar) }
    }

    @Test func grammarsDifferOnSignsDotsAndLeadingZeros() {
        for text in ["0", "-0", "12", "1.5", "-1.5e-3", "2E+10"] {
            #expect(parse(text) != nil, "\(text)")
        }
        for text in ["+1", ".5", "5.", "007", "", "-", "1e", "1.2.3", "0x10", "inf", "1_000"] {
            #expect(parse(text) == nil, "\(text)")
        }
        for text in ["+1", ".5", "5.", "007", "-.5e2"] {
            #expect(parse(text, .lenient) != nil, "\(text)")
        }
        for text in [".", "+", "e5", "1e+", "--1"] {
            #expect(parse(text, .lenient) == nil, "\(text)")
        }
    }

    @Test func exactIntegersOnly() {
        #expect(parse("12")?.exactInt64 == 12)
        #expect(parse("1.2e1")?.exactInt64 == 12)
        #expect(parse("-9223372036854775808")?.exactInt64 == Int64.min)
        #expect(parse("9223372036854775807")?.exactInt64 == Int64.max)
        #expect(parse("9223372036854775808")?.exactInt64 == nil)
        #expect(parse("1.5")?.exactInt64 == nil)
        #expect(parse("1e-30")?.exactInt64 == nil)
        #expect(parse("0.000")?.exactInt64 == 0)
        #expect(parse("12345678901234567890123")?.exactInt64 == nil)
    }

    @Test func flooredScalingIsExact() {
        #expect(parse("1700000000.123456")?.floored(timesPowerOfTen: 3) == 1_700_000_000_123)
        #expect(parse("-1.0001")?.floored(timesPowerOfTen: 0) == -2)
        #expect(parse("-1")?.floored(timesPowerOfTen: -3) == -1)
        #expect(parse("1e-400")?.floored(timesPowerOfTen: 3) == 0)
        #expect(parse("-1e-400")?.floored(timesPowerOfTen: 3) == -1)
        #expect(parse("1e19")?.floored(timesPowerOfTen: 0) == nil)
        #expect(parse("1.00000000000000000000000001")?.floored(timesPowerOfTen: 0) == 1)
        #expect(parse("-1.00000000000000000000000001")?.floored(timesPowerOfTen: 0) == -2)
    }

    @Test func integerDigitsTellMagnitude() {
        #expect(parse("99999999999")?.integerDigitCount == 11)
        #expect(parse("1e11")?.integerDigitCount == 12)
        #expect(parse("0.5")?.integerDigitCount == 0)
        #expect(parse("0")?.integerDigitCount == 0)
        #expect(parse("000123", .lenient)?.integerDigitCount == 3)
    }

    @Test func doublesMatchTheStandardLibrary() {
        for text in ["0", "23.1", "-1.5e-3", "1e22", "1e23", "0.1", "123456789012345678", "4.9e-324", "1.7976931348623157e308", "2.5E+10"] {
            #expect(double(text) == Double(text), "\(text)")
        }
        #expect(double("+.5", .lenient) == 0.5)
        #expect(double("1e400") == .infinity)
    }
}
