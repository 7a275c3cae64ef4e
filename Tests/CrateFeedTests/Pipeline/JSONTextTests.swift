import Testing
@testable import CrateFeed

@Suite struct JSONTextTests {
    private func string(_ text: String) -> String {
        var out: [UInt8] = []
        Array(text.utf8).withUnsafeBytes { JSONText.writeString($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    private func integer(_ value: Int64) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        JSONText.writeInteger(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func stringsAreQuotedAndEscapedOnlyWhereJSONNeedsIt() {
        #expect(string("sensors/dev1/temp") == #""sensors/dev1/temp""#)
        #expect(string("") == #""""#)
        #expect(string("a\"b\\c") == #""a\"b\\c""#)
        #expect(string("tab\there\u{1}") == #""tab\u0009here\u0001""#)
        #expect(string("grüße/📡") == "\"grüße/📡\"")
    }

    @Test func integersInDecimal() {
        #expect(integer(0) == "[0")
        #expect(integer(7) == "[7")
        #expect(integer(-42) == "[-42")
        #expect(integer(1_767_225_600_000) == "[1767225600000")
        #expect(integer(Int64.max) == "[9223372036854775807")
        #expect(integer(Int64.min) == "[-9223372036854775808")
    }
}
