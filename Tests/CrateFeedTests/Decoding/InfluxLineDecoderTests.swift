import Testing
@testable import CrateFeed

@Suite struct InfluxLineDecoderTests {
    private func decoder(_ precision: TimestampUnit = .ns) -> InfluxLineDecoder {
        InfluxLineDecoder(options: DecoderOptions(influxPrecision: precision))
    }

    @Test func theTelegrafShape() throws {
        var decoder = decoder()
        let rows = try decoder.rows("env,device=dev5 temperature=21.5,humidity=40i 1767225600000000000")
        #expect(rows == [CollectedRow(
            timestamp: 1_767_225_600_000,
            payload: #"{"measurement":"env","tags":{"device":"dev5"},"fields":{"temperature":21.5,"humidity":40}}"#)])
    }

    @Test func everyFieldType() throws {
        var decoder = decoder()
        let line = #"m f=1.5,g=-2,h=1e3,i=-12i,u=7u,big=18446744073709551615u,s="hi",t=t,T=TRUE,f2=False,e="",n=+.5,z=007"#
        #expect(try decoder.rows(line).first?.payload == """
            {"measurement":"m","tags":{},"fields":{"f":1.5,"g":-2.0,"h":1e3,"i":-12,"u":7,"big":"18446744073709551615",\
            "s":"hi","t":true,"T":true,"f2":false,"e":"","n":0.5,"z":7.0}}
            """)
        #expect(try decoder.rows("m a=5.,b=-0.0,c=1.E-2,d=9223372036854775807i,e=-9223372036854775808i,f=9223372036854775807u").first?.payload
            == #"{"measurement":"m","tags":{},"fields":{"a":5.0,"b":-0.0,"c":1.0E-2,"d":9223372036854775807,"e":-9223372036854775808,"f":9223372036854775807}}"#)
    }

    @Test func escapesFollowInfluxDB() throws {
        var decoder = decoder()
        let line = #"my\ meas\,ure=x,tag\ key\=1=va\,l\ ue\=,path=C:\dir field\,k\=ey="say \"hi\" \\ \n done",x=1"#
        #expect(try decoder.rows(line).first?.payload == """
            {"measurement":"my meas,ure=x","tags":{"tag key=1":"va,l ue=","path":"C:\\\\dir"},\
            "fields":{"field,k=ey":"say \\"hi\\" \\\\ \\\\n done","x":1.0}}
            """)
    }

    @Test func dotsInKeysBecomeUnderscoresButNotInValues() throws {
        var decoder = decoder()
        #expect(try decoder.rows("sys.cpu,host.name=a.b usage.idle=1").first?.payload
            == #"{"measurement":"sys.cpu","tags":{"host_name":"a.b"},"fields":{"usage_idle":1.0}}"#)
    }

    @Test func controlAndNonASCIICharactersAreValidJSON() throws {
        var decoder = decoder()
        #expect(try decoder.rows("m,t=caf\u{E9} s=\"tab\there \u{1F600}\"").first?.payload
            == "{\"measurement\":\"m\",\"tags\":{\"t\":\"caf\u{E9}\"},\"fields\":{\"s\":\"tab\\there \u{1F600}\"}}")
    }

    @Test func oneRowPerLineSkippingBlankLinesAndComments() throws {
        var decoder = decoder()
        let text = "# a comment\r\nm v=1 1000000000\r\n\n   \n  m v=2   2000000000  \n#another\nm v=3\n"
        let rows = try decoder.rows(text)
        #expect(rows.map(\.timestamp) == [1_000, 2_000, nil])
        #expect(rows.map(\.payload) == [1, 2, 3].map { #"{"measurement":"m","tags":{},"fields":{"v":\#($0).0}}"# })
        #expect(try decoder.rows("# only a comment\n\n").isEmpty)
        #expect(try decoder.rows("").isEmpty)
    }

    @Test func timestampPrecisions() throws {
        var seconds = decoder(.s)
        #expect(try seconds.rows("m v=1 1700000000").first?.timestamp == 1_700_000_000_000)
        var millis = decoder(.ms)
        #expect(try millis.rows("m v=1 1700000000123").first?.timestamp == 1_700_000_000_123)
        var micros = decoder(.us)
        #expect(try micros.rows("m v=1 1700000000123456").first?.timestamp == 1_700_000_000_123)
        var auto = decoder(.auto)
        #expect(try auto.rows("m v=1 1700000000").first?.timestamp == 1_700_000_000_000)
        var nanos = decoder()
        #expect(try nanos.rows("m v=1 -1").first?.timestamp == -1)
    }

    @Test(arguments: [
        ("m v=1\nm v=2\nm v=", "line 3: field value missing"),
        ("m v=1,w= 5", "line 1: field value missing"),
        ("m v=1,w=,x=1", "line 1: field value missing"),
        ("m", "line 1: expected a space and then the fields after the measurement and tags"),
        ("m ", "line 1: no fields"),
        (",t=1 v=1", "line 1: measurement missing"),
        ("m,t v=1", "line 1: tag \"t\" has no '=' and value"),
        ("m,=x v=1", "line 1: tag key missing"),
        ("m,t= v=1", "line 1: tag value missing"),
        ("m v", "line 1: field \"v\" has no '=' and value"),
        ("m =1", "line 1: field key missing"),
        ("m v=\"open", "line 1: unterminated string value"),
        ("m v=1.2.3", "line 1: field value \"1.2.3\" is not a number, boolean or quoted string"),
        ("m v=tru", "line 1: field value \"tru\" is not a number, boolean or quoted string"),
        ("m v=abc", "line 1: field value \"abc\" is not a number, boolean or quoted string"),
        ("m v=9223372036854775808i", "line 1: \"9223372036854775808i\" is not an integer (-9223372036854775808i to 9223372036854775807i)"),
        ("m v=1.5i", "line 1: \"1.5i\" is not an integer (-9223372036854775808i to 9223372036854775807i)"),
        ("m v=-1u", "line 1: \"-1u\" is not an unsigned integer (0u to 18446744073709551615u)"),
        ("m v=1e999", "line 1: \"1e999\" is out of a float's range"),
        ("m v=1 12.5", "line 1: timestamp \"12.5\" is not an integer"),
        ("m v=1 1 2", "line 1: unexpected text after the timestamp"),
        ("m v=\"a\"x", "line 1: expected ',' or a space after a field value"),
        ("m v=1 99999999999999999999", "line 1: timestamp \"99999999999999999999\" is not an integer"),
    ])
    func refusesBadLinesNamingTheLine(text: String, reason: String) {
        var decoder = decoder()
        #expect(decoder.failure(text) == reason)
    }

    @Test func refusesOutOfRangeTimestampsAndInvalidUTF8() {
        var seconds = decoder(.s)
        #expect(seconds.failure("m v=1 9000000000000")?.hasPrefix("line 1: timestamp 9000000000000 (s) is outside the years") == true)
        var decoder = decoder()
        #expect(decoder.failure([0x6D, 0x20, 0x76, 0x3D, 0x22, 0xFF, 0x22]) == "invalid UTF-8 at byte 5")
    }

    @Test func aCopiedDecoderNeverWritesIntoTheOriginalsRows() throws {
        var original = decoder()
        var copy = original
        var seen: [String] = []
        try Array("m v=1\nm v=2".utf8).withUnsafeBytes { first in
            try original.decode(first) { row in
                let before = String(decoding: row.payload, as: UTF8.self)
                // Decoding with the copy while the original's row is out must leave that row alone.
                _ = try copy.rows("other,t=x w=3")
                #expect(String(decoding: row.payload, as: UTF8.self) == before)
                seen.append(before)
            }
        }
        #expect(seen == [1, 2].map { #"{"measurement":"m","tags":{},"fields":{"v":\#($0).0}}"# })
    }

    @Test func unsignedValuesAboveInt64MaxAreStrings() throws {
        var decoder = decoder()
        #expect(try decoder.rows("m a=9223372036854775808u").first?.payload
            == #"{"measurement":"m","tags":{},"fields":{"a":"9223372036854775808"}}"#)
    }
}
