import Foundation
import Testing
@testable import CrateDB

@Suite struct RowDecoderTests {
    struct Detail: Decodable, Equatable {
        let age: Int
        let tags: [String]
    }

    struct Character: Decodable, Equatable {
        let name: String
        let born: Date
        let details: Detail
        let moreDetails: [Detail]
        let extra: [String: SQLValue]
        let nickname: String?
        enum CodingKeys: String, CodingKey {
            case name, born, details, extra, nickname
            case moreDetails = "more_details"
        }
    }

    private let result = try! SQLResult(
        json: JSONParser.parse(
            #"""
            {"cols":["name","born","details","more_details","extra","nickname"],
             "col_types":[4,11,12,[100,12],12,4],
             "rows":[["Arthur",1700000000123,{"age":42,"tags":["towel"]},[{"age":1,"tags":[]},{"age":2,"tags":["a"]}],{"k":1.5},null]],
             "rowcount":1,"duration":0.5}
            """#))

    @Test func decodesObjectsObjectArraysAndTimestamps() throws {
        let characters = try RowDecoder().decode(Character.self, from: result)
        #expect(
            characters == [
                Character(
                    name: "Arthur", born: Date(timeIntervalSince1970: 1_700_000_000.123),
                    details: Detail(age: 42, tags: ["towel"]),
                    moreDetails: [Detail(age: 1, tags: []), Detail(age: 2, tags: ["a"])], extra: ["k": .double(1.5)],
                    nickname: nil)
            ])
    }

    @Test func columnTypesGiveTimestampsTheirMeaning() {
        #expect(result.rows[0][1] == .timestamp(1_700_000_000_123))
        #expect(result.columnTypes[3] == .array(.object))
    }

    @Test func reportsTheMissingColumn() {
        struct Wrong: Decodable { let missing: Int }
        #expect(throws: DecodingError.self) { try RowDecoder().decode(Wrong.self, from: result) }
    }

    @Test func reportsATypeMismatch() {
        struct Wrong: Decodable { let name: Int }
        #expect(throws: DecodingError.self) { try RowDecoder().decode(Wrong.self, from: result) }
    }
}
