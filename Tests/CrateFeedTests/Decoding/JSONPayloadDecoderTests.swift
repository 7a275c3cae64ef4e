import Foundation
import Testing
@testable import CrateFeed

@Suite struct JSONPayloadDecoderTests {
    private func decoder(timestamp: String? = nil, unit: TimestampUnit = .auto, zone: String = "UTC", blobs: [String] = [])
        -> JSONPayloadDecoder
    {
        JSONPayloadDecoder(options: DecoderOptions(
            timestampPath: timestamp.map { $0.split(separator: ".").map(String.init) }, timestampUnit: unit,
            timeZone: TimeZone(identifier: zone)!, blobFields: blobs.map { $0.split(separator: ".").map(String.init) }))
    }

    @Test func anObjectIsOneRowWithItsBytesPassedThroughUnchanged() throws {
        let text = " {\"temperature\": 21.5,\n \"humidity\":40, \"nested\": {\"a\": [1, 2.50, \"\\u00e9\"]}}\n"
        let bytes = Array(text.utf8)
        var decoder = decoder()
        var payloads: [UnsafeRawBufferPointer] = []
        try bytes.withUnsafeBytes { buffer in
            try decoder.decode(buffer) { row in
                #expect(row.timestamp == nil)
                #expect(row.blobs.isEmpty)
                payloads.append(row.payload)
                // The very bytes of the message, not a copy or a re-encoding.
                #expect(row.payload.baseAddress == buffer.baseAddress! + 1)
                #expect(Array(row.payload) == Array(bytes[1..<(bytes.count - 1)]))
            }
        }
        #expect(payloads.count == 1)
    }

    @Test func anArrayOfObjectsIsOneRowEach() throws {
        var decoder = decoder(timestamp: "ts")
        let rows = try decoder.rows(#"[{"ts":1700000000,"v":1}, {"ts":1700000001000,"v":2} ,{"ts":"2024-03-01T12:00:00Z"}]"#)
        #expect(rows == [
            CollectedRow(timestamp: 1_700_000_000_000, payload: #"{"ts":1700000000,"v":1}"#),
            CollectedRow(timestamp: 1_700_000_001_000, payload: #"{"ts":1700000001000,"v":2}"#),
            CollectedRow(timestamp: 1_709_294_400_000, payload: #"{"ts":"2024-03-01T12:00:00Z"}"#),
        ])
        #expect(try decoder.rows("[]") == [])
    }

    @Test func oneBadElementFailsTheWholeArray() {
        var decoder = decoder(timestamp: "ts")
        #expect(decoder.failure(#"[{"ts":1700000000}, 5]"#) == "element 2 of the array is a number; every element must be an object")
        #expect(decoder.failure(#"[{"ts":1700000000}, {"v":1}]"#) == "element 2: timestamp field \"ts\" missing")
        #expect(decoder.failure(#"[{"ts":1700000000}, {"ts":"soon"}]"#)?.hasPrefix("element 2: timestamp field \"ts\": \"soon\" is not a date-time") == true)
    }

    @Test(arguments: [
        ("42", "the payload is a number; a json route takes an object or an array of objects"),
        ("\"text\"", "the payload is a string; a json route takes an object or an array of objects"),
        ("null", "the payload is null; a json route takes an object or an array of objects"),
        ("{\"a\":1,}", "invalid JSON at byte 7: expected a string key"),
        ("{\"a\":1", "invalid JSON at byte 6: expected ',' or '}', found the end of the payload"),
        ("", "invalid JSON at byte 0: expected a value, found the end of the payload"),
        ("{\"a\":1} x", "invalid JSON at byte 8: unexpected data after the JSON value"),
    ])
    func refusesWhatIsNotAnObjectOrArray(text: String, reason: String) {
        var decoder = decoder()
        #expect(decoder.failure(text) == reason)
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        var decoder = decoder()
        #expect(decoder.failure([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) == "invalid JSON at byte 2: invalid UTF-8")
        let deep = "{\"a\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}"
        #expect(decoder.failure(deep) == "invalid JSON at byte 68: nested deeper than 64 levels")
    }

    @Test func timestampsFromNestedPathsAndEachForm() throws {
        var nested = decoder(timestamp: "meta.time")
        #expect(try nested.rows(#"{"meta":{"time":1700000000123},"v":1}"#).first?.timestamp == 1_700_000_000_123)
        #expect(try nested.rows(#"{"meta":{"time":"1700000000"}}"#).first?.timestamp == 1_700_000_000_000)
        #expect(try nested.rows(#"{"meta":{"time":"2024-03-01T12:00:00+01:00"}}"#).first?.timestamp == 1_709_290_800_000)
        #expect(try nested.rows(#"{"meta":{"time":"2024\u002d03-01T12:00:00Z"}}"#).first?.timestamp == 1_709_294_400_000)
        var berlin = decoder(timestamp: "ts", zone: "Europe/Berlin")
        #expect(try berlin.rows(#"{"ts":"2024-07-15 12:00:00"}"#).first?.timestamp == 1_721_037_600_000)
        var millis = decoder(timestamp: "ts", unit: .ms)
        #expect(try millis.rows(#"{"ts":1700000000}"#).first?.timestamp == 1_700_000_000)
    }

    @Test func timestampErrorsNameTheField() {
        var decoder = decoder(timestamp: "meta.ts")
        #expect(decoder.failure(#"{"v":1}"#) == "timestamp field \"meta.ts\" missing")
        #expect(decoder.failure(#"{"meta":5}"#) == "timestamp field \"meta.ts\" missing")
        #expect(decoder.failure(#"{"meta":{"ts":null}}"#) == "timestamp field \"meta.ts\": it is null, expected a number or a string")
        #expect(decoder.failure(#"{"meta":{"ts":true}}"#) == "timestamp field \"meta.ts\": it is a boolean, expected a number or a string")
        #expect(decoder.failure(#"{"meta":{"ts":1e30}}"#)?.hasPrefix("timestamp field \"meta.ts\": timestamp \"1e30\" is out") == true)
        var rfc = self.decoder(timestamp: "ts", unit: .rfc3339)
        #expect(rfc.failure(#"{"ts":"2024-03-01T12:00:00"}"#)?.contains("has no offset") == true)
    }

    @Test func blobFieldsBecomeBlobsAndDigests() throws {
        var decoder = decoder(blobs: ["image", "meta.raw"])
        let rows = try decoder.rows(#"{"device":"cam1", "image":"aGVsbG8=" ,"meta":{"raw":"-__-","n":1}}"#)
        #expect(rows.count == 1)
        #expect(rows[0].payload == #"{"device":"cam1", "image":"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d" ,"meta":{"raw":"7a2f66f18d627f355b96894508d54686d27c75a2","n":1}}"#)
        #expect(rows[0].blobs == [
            DecodedBlob(digest: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", bytes: Array("hello".utf8)),
            DecodedBlob(digest: "7a2f66f18d627f355b96894508d54686d27c75a2", bytes: [0xFB, 0xFF, 0xFE]),
        ])
    }

    @Test func blobFieldsAcceptEitherAlphabetPaddingOrNotLineBreaksEscapesAndDataURLs() throws {
        var decoder = decoder(blobs: ["b"])
        for text in ["+//+", "-__-", "+/\\/+", "+/\\n/+"] {
            #expect(try decoder.rows("{\"b\":\"\(text)\"}").first?.blobs.first?.bytes == [0xFB, 0xFF, 0xFE], "\(text)")
        }
        for text in ["aGVsbG8=", "aGVsbG8", "aGVs\\r\\nbG8="] {
            #expect(try decoder.rows("{\"b\":\"\(text)\"}").first?.blobs.first?.bytes == Array("hello".utf8), "\(text)")
        }
        let png = try decoder.rows(#"{"b":"data:image/png;base64,iVBORw=="}"#)
        #expect(png.first?.blobs == [DecodedBlob(digest: "4effda12c2611e2e4feb6f0d342feb685ccd825b", bytes: [0x89, 0x50, 0x4E, 0x47], contentType: "image/png")])
        #expect(png.first?.payload == #"{"b":"4effda12c2611e2e4feb6f0d342feb685ccd825b"}"#)
        let typed = try decoder.rows(#"{"b":"data:text/plain;charset=utf-8;base64,aGVsbG8="}"#)
        #expect(typed.first?.blobs.first?.contentType == "text/plain")
        let empty = try decoder.rows(#"{"b":""}"#)
        #expect(empty.first?.blobs.first?.digest == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    @Test func absentOrNullBlobFieldsYieldNoBlobAndKeepThePayload() throws {
        var decoder = decoder(blobs: ["image"])
        #expect(try decoder.rows(#"{"v":1}"#) == [CollectedRow(timestamp: nil, payload: #"{"v":1}"#)])
        #expect(try decoder.rows(#"{"image":null}"#) == [CollectedRow(timestamp: nil, payload: #"{"image":null}"#)])
    }

    @Test func blobFieldsInArraysAndRepeatedFields() throws {
        var decoder = decoder(timestamp: "ts", blobs: ["b", "b"])
        let rows = try decoder.rows(#"[{"ts":1700000000,"b":"aGVsbG8="},{"ts":1700000001},{"b":"+//+","ts":1700000002}]"#)
        #expect(rows.map(\.payload) == [
            #"{"ts":1700000000,"b":"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"}"#,
            #"{"ts":1700000001}"#,
            #"{"b":"7a2f66f18d627f355b96894508d54686d27c75a2","ts":1700000002}"#,
        ])
        #expect(rows.map(\.blobs.count) == [1, 0, 1])
        #expect(rows.map(\.timestamp) == [1_700_000_000_000, 1_700_000_001_000, 1_700_000_002_000])
    }

    @Test(arguments: [
        (#"{"b":"a*bc"}"#, "blob field \"b\" is not valid base64: invalid character at 1"),
        (#"{"b":"abcde"}"#, "blob field \"b\" is not valid base64: wrong length (5 characters cannot encode whole bytes)"),
        (#"{"b":"ab=c"}"#, "blob field \"b\" is not valid base64: data after '=' padding at character 3"),
        (#"{"b":"abc=="}"#, "blob field \"b\" is not valid base64: wrong padding"),
        (#"{"b":12}"#, "blob field \"b\" is a number, expected a base64 string"),
        (#"{"b":{"x":1}}"#, "blob field \"b\" is an object, expected a base64 string"),
        (#"{"b":"data:image/png,abcd"}"#, "blob field \"b\" is a data URL without \";base64,\""),
        (#"[{"b":"aGVsbG8="},{"b":"!"}]"#, "element 2: blob field \"b\" is not valid base64: invalid character at 0"),
    ])
    func refusesBadBlobFieldsWithoutEmitting(text: String, reason: String) {
        var decoder = decoder(blobs: ["b"])
        #expect(decoder.failure(text) == reason)
    }

    @Test func theDecoderIsReusableAfterAFailure() throws {
        var decoder = decoder(timestamp: "ts", blobs: ["b"])
        #expect(decoder.failure(#"[{"ts":1},{"b":"!"}]"#) != nil)
        #expect(try decoder.rows(#"[{"ts":1700000000,"b":"aGVsbG8="}]"#).count == 1)
    }
}
