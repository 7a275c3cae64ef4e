import Testing
@testable import CrateDB

@Suite struct JSONParserTests {
    @Test func keepsIntegersExactAndDoublesApart() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": 1.0, "c": -9007199254740993, "d": 1e3, "e": 18446744073709551616}"#)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(1.0))
        #expect(value["c"] == .int(-9_007_199_254_740_993))
        #expect(value["d"] == .double(1000))
        #expect(value["e"] == .double(18_446_744_073_709_551_616))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t", "\u00e9\ud83d\ude00", ""]"#)
        #expect(value == .array([.text("a\"b\\c/d\n\t"), .text("é😀"), .text("")]))
    }

    @Test func parsesNestedStructures() throws {
        let value = try JSONParser.parse(#" {"cols":["x"],"rows":[[null,true,false,[],{}]]} "#)
        #expect(value["rows"] == .array([.array([.null, .bool(true), .bool(false), .array([]), .object([:])])]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "01", "1.", "-", "tru", "\"abc", "\"\\x\"", "\"\\ud800\"", "[1] 2",
        "{\"a\" 1}", "\"\u{01}\"", "nul",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
    }

    @Test func writerRoundTripsThroughParser() throws {
        let value: SQLValue = [
            "text": "quote \" backslash \\ newline \n control \u{01}", "int": 42, "double": 2.5,
            "list": [1, nil, true], "nested": ["x": -1],
        ]
        let text = JSONWriter.string(value)
        #expect(try JSONParser.parse(text) == value)
    }

    @Test func writerSendsTimestampsAsMillisAndNonFiniteAsNull() {
        #expect(JSONWriter.string(.timestamp(1_700_000_000_123)) == "1700000000123")
        #expect(JSONWriter.string(.geoPoint(longitude: 9.5, latitude: 47.25)) == "[9.5,47.25]")
        #expect(JSONWriter.string(.double(.nan)) == "null")
    }
}
