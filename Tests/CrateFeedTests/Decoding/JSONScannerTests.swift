import Testing
@testable import CrateFeed

@Suite struct JSONScannerTests {
    /// Runs `body` with a scanner over `text` and the validated top-level value.
    private func scan<T>(_ text: String, maxDepth: Int = 64, _ body: (JSONScanner, JSONValue) throws -> T) throws -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in
            let scanner = JSONScanner(buffer, maxDepth: maxDepth)
            return try body(scanner, try scanner.validate())
        }
    }

    private func scanError(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONScanError? {
        bytes.withUnsafeBytes { buffer in
            do {
                _ = try JSONScanner(buffer, maxDepth: maxDepth).validate()
                return nil
            } catch {
                return error as? JSONScanError
            }
        }
    }

    @Test(arguments: [
        "{}", "[]", " { } ", "0", "-0", "-0.5e-3", "1E+9", "\"\"", "true", "false", "null",
        #"{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"}"#, "\t\r\n[ 1 , 2 ]\n",
        "\"caf\u{E9} \u{1F600}\"", #"{"a":{},"b":[],"c":[[]]}"#,
    ])
    func acceptsValidDocuments(_ text: String) throws {
        let range = try scan(text) { _, value in value.range }
        let trimmed = text.utf8.count - text.utf8.reversed().prefix { [0x20, 0x09, 0x0A, 0x0D].contains($0) }.count
        #expect(range.upperBound == trimmed)
    }

    @Test(arguments: [
        ("", 0, "expected a value, found the end of the payload"),
        ("   ", 3, "expected a value, found the end of the payload"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        (#"{"a":1,}"#, 7, "expected a string key"),
        (#"{a:1}"#, 1, "expected a string key"),
        ("[1,]", 3, "expected a value"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("[1", 2, "expected ',' or ']', found the end of the payload"),
        ("01", 1, "unexpected data after the JSON value"),
        ("1.", 2, "expected a digit after '.'"),
        ("-", 1, "expected a digit"),
        ("1e", 2, "expected a digit in the exponent"),
        ("+1", 0, "expected a value"),
        (".5", 0, "expected a value"),
        ("tru", 0, "invalid literal"),
        ("nul", 0, "invalid literal"),
        ("True", 0, "expected a value"),
        ("\"abc", 0, "unterminated string"),
        ("\"a\\x\"", 2, "invalid escape"),
        ("\"\\u12\"", 1, "invalid \\u escape"),
        ("\"\\ud800\"", 1, "unpaired surrogate"),
        ("\"\\udc00\"", 1, "unpaired surrogate"),
        ("\"\\ud800\\u0041\"", 1, "unpaired surrogate"),
        ("\"a\u{1}\"", 2, "control character in a string"),
        ("{} {}", 3, "unexpected data after the JSON value"),
        ("NaN", 0, "expected a value"),
    ])
    func refusesMalformedDocumentsNamingTheByte(text: String, offset: Int, problem: String) {
        let error = scanError(Array(text.utf8))
        #expect(error?.offset == offset)
        #expect(error?.problem.hasPrefix(problem) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid JSON at byte \(offset): \(problem)") == true)
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],  // not UTF-8 at all
        [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
        [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
        [0x22, 0x80, 0x22],  // a lone continuation byte
    ] as [[UInt8]])
    func refusesInvalidUTF8(_ bytes: [UInt8]) {
        #expect(scanError(bytes)?.problem == "invalid UTF-8")
        #expect(scanError(bytes)?.offset == 1)
    }

    @Test func boundsNestingDepth() throws {
        let sixtyFour = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try scan(sixtyFour) { _, _ in } }
        let sixtyFive = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(scanError(Array(sixtyFive.utf8))?.problem == "nested deeper than 64 levels")
        let objects = String(repeating: #"{"a":"#, count: 3) + "1" + String(repeating: "}", count: 3)
        #expect(scanError(Array(objects.utf8), maxDepth: 2)?.problem == "nested deeper than 2 levels")
        // Far beyond any stack: refused quickly, not crashed.
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(scanError(hostile, maxDepth: 100_000)?.problem == "nested deeper than 1024 levels")
    }

    @Test func walksArrayElementsAndObjectMembers() throws {
        let text = #" [ {"a":1} , "x\"y" ,[2,3], -1.5e3,true ,null ] "#
        let kinds = try scan(text) { scanner, array in scanner.elements(of: array).map(\.kind) }
        #expect(kinds == [.object, .string, .array, .number, .bool, .null])
        let texts = try scan(text) { scanner, array in
            scanner.elements(of: array).map { String(decoding: scanner.text(of: $0), as: UTF8.self) }
        }
        #expect(texts == [#"{"a":1}"#, #""x\"y""#, "[2,3]", "-1.5e3", "true", "null"])
        let members = try scan(#"{ "k1" : [1,{"x":"}"}] , "k2":{}, "k3":"v" }"#) { scanner, object in
            scanner.members(of: object).map { (scanner.string($0.key), String(decoding: scanner.text(of: $0.value), as: UTF8.self)) }
        }
        #expect(members.map(\.0) == ["k1", "k2", "k3"])
        #expect(members.map(\.1) == [#"[1,{"x":"}"}]"#, "{}", #""v""#])
        #expect(try scan("[]") { scanner, array in scanner.elements(of: array).map(\.kind) } == [])
        #expect(try scan("{}") { scanner, object in scanner.members(of: object).map(\.key) } == [])
    }

    @Test func findsValuesByKeyPath() throws {
        let text = #"{"meta":{"ts":1700000000,"dev":{"id":"d\u0031"}},"t\u0073":"escaped key","list":[{"ts":1}]}"#
        try scan(text) { scanner, object in
            let ts = scanner.value(at: ["meta", "ts"], in: object)
            #expect(ts?.kind == .number)
            #expect(ts.map { scanner.int64($0) } == 1_700_000_000)
            #expect(scanner.value(at: ["meta", "dev", "id"], in: object).map { scanner.string($0) } == "d1")
            #expect(scanner.value(at: ["ts"], in: object).map { scanner.string($0) } == "escaped key")
            #expect(scanner.value(at: ["meta", "missing"], in: object) == nil)
            #expect(scanner.value(at: ["meta", "ts", "deeper"], in: object) == nil)
            #expect(scanner.value(at: ["list", "ts"], in: object) == nil)
            #expect(scanner.value(at: [] as [String], in: object) == object)
        }
    }

    @Test func readsStringsWithEscapes() throws {
        try scan(#"["plain","a\"b\\c\/d\n\t\r\b\f","\u00e9\u20ac\ud83d\ude00","caf\#u{E9}"]"#) { scanner, array in
            let values = scanner.elements(of: array).map { scanner.string($0) }
            #expect(values == ["plain", "a\"b\\c/d\n\t\r\u{8}\u{C}", "é€😀", "café"])
            let elements = Array(scanner.elements(of: array))
            #expect(!scanner.hasEscapes(elements[0]))
            #expect(scanner.hasEscapes(elements[1]))
            #expect(String(decoding: scanner.rawContents(of: elements[0]), as: UTF8.self) == "plain")
            let euro = Array("é€😀".utf8)
            #expect(euro.withUnsafeBytes { scanner.stringEquals(elements[2], $0) })
            #expect(!euro.dropLast().withUnsafeBytes { scanner.stringEquals(elements[2], $0) })
        }
    }

    @Test func readsNumbersAndBooleans() throws {
        try scan("[12, -7, 1.5, 2e3, 1.25e1, 9223372036854775807, 9223372036854775808, true, false]") { scanner, array in
            let values = Array(scanner.elements(of: array))
            #expect(values.map { scanner.int64($0) } == [12, -7, nil, 2000, nil, Int64.max, nil, nil, nil])
            #expect(values.prefix(5).map { scanner.double($0) } == [12, -7, 1.5, 2000, 12.5])
            #expect(scanner.bool(values[7]) == true)
            #expect(scanner.bool(values[8]) == false)
            #expect(scanner.bool(values[0]) == nil)
        }
    }
}
