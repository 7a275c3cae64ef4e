import Testing
@testable import CrateFeed

@Suite struct ValueDecoderTests {
    @Test(arguments: [
        ("21.5", #"{"value":21.5}"#),
        (" -3e2\n", #"{"value":-3e2}"#),
        ("0", #"{"value":0}"#),
        ("true", #"{"bool_value":true}"#),
        ("false\r\n", #"{"bool_value":false}"#),
        ("ON", #"{"string_value":"ON"}"#),
        ("007", #"{"string_value":"007"}"#),
        ("+1", #"{"string_value":"+1"}"#),
        ("NaN", #"{"string_value":"NaN"}"#),
        ("True", #"{"string_value":"True"}"#),
        ("\"quoted \\\" json\"", #"{"string_value":"quoted \" json"}"#),
        ("\"not closed", #"{"string_value":"\"not closed"}"#),
        ("a \"b\" \\ c\td", #"{"string_value":"a \"b\" \\ c\td"}"#),
        ("caf\u{E9}", "{\"string_value\":\"caf\u{E9}\"}"),
        ("{\"a\":1}", #"{"string_value":"{\"a\":1}"}"#),
    ])
    func aBareValueBecomesAFieldOfItsKind(text: String, payload: String) throws {
        var decoder = ValueDecoder()
        #expect(try decoder.rows(text) == [CollectedRow(timestamp: nil, payload: payload)])
    }

    @Test func refusesEmptyPayloadsAndInvalidUTF8() {
        var decoder = ValueDecoder()
        #expect(decoder.failure("") == "empty payload; a value route needs a number, true/false or text")
        #expect(decoder.failure(" \n\t ") == "empty payload; a value route needs a number, true/false or text")
        #expect(decoder.failure([0x20, 0x61, 0xFF]) == "invalid UTF-8 at byte 2")
    }
}
