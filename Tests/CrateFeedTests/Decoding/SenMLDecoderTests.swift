import Foundation
import Testing
@testable import CrateFeed

@Suite struct SenMLDecoderTests {
    private func decoder(receivedAt: Int64? = 1_700_000_000_000) -> SenMLDecoder {
        SenMLDecoder(receivedAt: receivedAt)
    }

    @Test func resolvesBaseNameTimeAndUnit() throws {
        // RFC 8428 section 5.1.2
        let pack = """
            [{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"%RH","v":20},
             {"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},{"u":"lon","t":60,"v":24.30622},
             {"u":"lat","t":60,"v":60.07965},{"t":120,"v":20.7},{"u":"lon","t":120,"v":24.30623},
             {"u":"lat","t":120,"v":60.07966},{"u":"%EL","t":150,"v":98},{"t":180,"v":21.2},
             {"u":"lon","t":180,"v":24.30628},{"u":"lat","t":180,"v":60.07967}]
            """
        var decoder = decoder()
        let rows = try decoder.rows(pack)
        #expect(rows.count == 13)
        #expect(rows[0] == CollectedRow(timestamp: 1_320_067_464_000, payload: #"{"name":"urn:dev:ow:10e2073a01080063:","unit":"%RH","value":20}"#))
        #expect(rows[1].payload == #"{"name":"urn:dev:ow:10e2073a01080063:","unit":"lon","value":24.30621}"#)
        #expect(rows[3] == CollectedRow(timestamp: 1_320_067_524_000, payload: #"{"name":"urn:dev:ow:10e2073a01080063:","unit":"%RH","value":20.3}"#))
        #expect(rows[12].timestamp == 1_320_067_644_000)
    }

    @Test func theBriefsExample() throws {
        var decoder = decoder()
        let rows = try decoder.rows(#"[{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1,"t":1.7e9}]"#)
        #expect(rows == [CollectedRow(timestamp: 1_700_000_000_000, payload: #"{"name":"urn:dev:ow:10e2073a01080063:temp","unit":"Cel","value":23.1}"#)])
    }

    @Test func everyValueKindAndSums() throws {
        var decoder = decoder()
        let rows = try decoder.rows("""
            [{"bn":"dev1/","bt":1700000000,"n":"s","vs":"open \\"door\\""},{"n":"b","vb":false},{"n":"d","vd":"aGk"},
             {"n":"e","s":12.5,"u":"J"},{"n":"both","v":1,"s":2}]
            """)
        #expect(rows.map(\.payload) == [
            #"{"name":"dev1/s","string_value":"open \"door\""}"#,
            #"{"name":"dev1/b","bool_value":false}"#,
            #"{"name":"dev1/d","data_value":"aGk"}"#,
            #"{"name":"dev1/e","unit":"J","sum":12.5}"#,
            #"{"name":"dev1/both","value":1,"sum":2}"#,
        ])
        #expect(Set(rows.map(\.timestamp)) == [1_700_000_000_000])
    }

    @Test func baseValueAndBaseSumAreAdded() throws {
        var decoder = decoder()
        let rows = try decoder.rows(#"[{"bn":"m","bv":100,"bs":1000,"v":0.5,"s":2},{"n":"x","v":-100},{"n":"y","vs":"t"},{"bv":0.25,"n":"z","v":1}]"#)
        #expect(rows.map(\.payload) == [
            #"{"name":"m","value":100.5,"sum":1002.0}"#,
            #"{"name":"mx","value":0.0}"#,
            #"{"name":"my","string_value":"t"}"#,
            #"{"name":"mz","value":1.25}"#,
        ])
    }

    @Test func relativeTimesCountFromReceipt() throws {
        var decoder = decoder(receivedAt: 1_700_000_000_000)
        let rows = try decoder.rows(#"[{"n":"a","v":1},{"n":"b","v":1,"t":-5},{"n":"c","v":1,"t":0.25},{"bt":-10,"n":"d","v":1,"t":10},{"n":"e","v":1,"t":268435455}]"#)
        // Base time -10 stays for the records after "d": "e" is 268435445 s after receipt.
        #expect(rows.map(\.timestamp) == [nil, 1_699_999_995_000, 1_700_000_000_250, nil, 1_968_435_445_000])
        // 2^28 and above are absolute.
        #expect(try decoder.rows(#"[{"n":"a","v":1,"t":268435456}]"#).first?.timestamp == 268_435_456_000)
    }

    @Test func theReceiptTimeCanComeWithEachMessage() throws {
        var decoder: any PayloadDecoder = SenMLDecoder()
        var stamps: [Int64?] = []
        try Array(#"[{"n":"a","v":1,"t":-5}]"#.utf8).withUnsafeBytes { pack in
            for receivedAt: Int64 in [1_000_000, 2_000_000] {
                try decoder.decode(pack, receivedAt: receivedAt) { stamps.append($0.timestamp) }
            }
        }
        #expect(stamps == [995_000, 1_995_000])
        // Decoders without relative times ignore it.
        var value: any PayloadDecoder = ValueDecoder()
        try Array("1".utf8).withUnsafeBytes { try value.decode($0, receivedAt: 5) { #expect($0.timestamp == nil) } }
    }

    @Test func relativeTimesWithoutReceiptUseTheClock() throws {
        var decoder = decoder(receivedAt: nil)
        let before = Int64(Date().timeIntervalSince1970 * 1_000)
        let stamp = try decoder.rows(#"[{"n":"a","v":1,"t":-1}]"#).first?.timestamp
        let after = Int64(Date().timeIntervalSince1970 * 1_000)
        #expect(stamp.map { (before - 1_000...after - 1_000).contains($0) } == true)
    }

    @Test(arguments: [
        (#"{"n":"a","v":1}"#, "the payload is an object; SenML is an array of records"),
        (#"[{"n":"a","v":1},3]"#, "record 2 is a number, expected an object"),
        (#"[{"n":"a","v":1},{"n":"b"}]"#, "record 2: no value (v, vs, vb or vd) and no sum (s)"),
        (#"[{"bn":"a"}]"#, "record 1: no value (v, vs, vb or vd) and no sum (s)"),
        (#"[{"n":"a","v":1,"vs":"x"}]"#, "record 1: more than one value field (v, vs, vb, vd)"),
        (#"[{"v":1}]"#, "record 1: name missing (bn + n is empty)"),
        (#"[{"n":"a b","v":1}]"#, "record 1: name \"a b\" may only hold A-Z a-z 0-9 - : . / _ and must start with a letter or digit"),
        (#"[{"n":"-a","v":1}]"#, "record 1: name \"-a\" may only hold A-Z a-z 0-9 - : . / _ and must start with a letter or digit"),
        (#"[{"n":"a","v":"1"}]"#, "record 1: \"v\" is a string, expected a number"),
        (#"[{"n":"a","vb":1}]"#, "record 1: \"vb\" is a number, expected a boolean"),
        (#"[{"n":5,"v":1}]"#, "record 1: \"n\" is a number, expected a string"),
        (#"[{"bt":"now","n":"a","v":1}]"#, "record 1: \"bt\" is a string, expected a number"),
        (#"[{"n":"a","v":1,"t":1e300}]"#, "record 1: \"t\" is out of range"),
        (#"[{"n":"a","v":1,"bv":1e308,"v":1e308}]"#, "record 1: \"v\" is out of range"),
        (#"[{"n":"a","v":1,"t":3e11}]"#, "record 1: time is outside the years 0001 to 9999"),
        (#"[{"n":"a","v":1,"foo_":1}]"#, "record 1: unknown must-understand field \"foo_\""),
        (#"[{"n":"a","v":1,"bver":"x"}]"#, "record 1: \"bver\" is a string, expected a number"),
        ("[{\"n\":\"a\",\"v\":1]", "invalid JSON at byte 15: expected ',' or '}'"),
    ])
    func refusesInvalidPacksWithoutEmitting(text: String, reason: String) {
        var decoder = decoder()
        #expect(decoder.failure(text) == reason)
    }

    @Test func ignoresUnknownFieldsAndChecksUpdateTimeAndVersion() throws {
        var decoder = decoder()
        let rows = try decoder.rows(#"[{"bver":10,"n":"a","v":1,"ut":60,"extra":{"x":1},"bt":1700000000}]"#)
        #expect(rows == [CollectedRow(timestamp: 1_700_000_000_000, payload: #"{"name":"a","value":1}"#)])
        #expect(try decoder.rows("[]").isEmpty)
    }
}
