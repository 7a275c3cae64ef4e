import Foundation
import Testing
@testable import CrateFeed

@Suite struct TimestampParserTests {
    private func number(_ text: String, _ unit: TimestampUnit = .auto) throws -> Int64 {
        try Array(text.utf8).withUnsafeBytes { try TimestampParser(unit: unit).millis(fromNumber: $0) }
    }

    private func string(_ text: String, _ unit: TimestampUnit = .auto, zone: String = "UTC") throws -> Int64 {
        var parser = TimestampParser(unit: unit, timeZone: TimeZone(identifier: zone)!)
        return try parser.millis(from: text)
    }

    private func reason(_ body: () throws -> Int64) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as TimestampError {
            return error.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func epochNumbersAreToldApartByMagnitude() throws {
        #expect(try number("1700000000") == 1_700_000_000_000)  // seconds
        #expect(try number("1700000000123") == 1_700_000_000_123)  // milliseconds
        #expect(try number("1700000000123456") == 1_700_000_000_123)  // microseconds
        #expect(try number("1700000000123456789") == 1_700_000_000_123)  // nanoseconds
        #expect(try number("0") == 0)
        #expect(try number("-1700000000") == -1_700_000_000_000)
    }

    @Test func magnitudeCutOffsSitAtThePowersOfTen() throws {
        #expect(try number("99999999999") == 99_999_999_999_000)  // < 1e11: seconds (year 5138)
        #expect(try number("100000000000") == 100_000_000_000)  // 1e11: milliseconds (1973-03-03)
        #expect(try number("99999999999999") == 99_999_999_999_999)  // < 1e14: milliseconds
        #expect(try number("100000000000000") == 100_000_000_000)  // 1e14: microseconds
        #expect(try number("99999999999999999") == 99_999_999_999_999)  // < 1e17: microseconds
        #expect(try number("100000000000000000") == 100_000_000_000)  // 1e17: nanoseconds
        #expect(try number("1e11") == 100_000_000_000)
        #expect(try number("-100000000000") == -100_000_000_000)
    }

    @Test func fractionsAreKeptToTheMillisecondAndFloored() throws {
        #expect(try number("1700000000.5") == 1_700_000_000_500)
        #expect(try number("1700000000.1239") == 1_700_000_000_123)
        #expect(try number("1.7e9") == 1_700_000_000_000)
        #expect(try number("1700000000123.9") == 1_700_000_000_123)
        #expect(try number("-0.0005") == -1)
        #expect(try number("1700000000.123456789123456789") == 1_700_000_000_123)
    }

    @Test func declaredUnitsOverrideMagnitude() throws {
        #expect(try number("1700000000", .ms) == 1_700_000_000)
        #expect(try number("1000", .s) == 1_000_000)
        #expect(try number("1700000000", .us) == 1_700_000)
        #expect(try number("1700000000", .ns) == 1_700)
        #expect(try number("-1", .ns) == -1)
        #expect(try number("12.5", .ms) == 12)
        #expect(try string("1700000000", .s) == 1_700_000_000_000)
    }

    @Test func rfc3339WithOffsetOrZ() throws {
        #expect(try string("2024-03-01T12:00:00Z") == 1_709_294_400_000)
        #expect(try string("2024-03-01t12:00:00z") == 1_709_294_400_000)
        #expect(try string("2024-03-01 12:00:00Z") == 1_709_294_400_000)
        #expect(try string("2024-03-01T12:00:00.123+02:00") == 1_709_287_200_123)
        #expect(try string("2024-03-01T12:00:00,1239+0200") == 1_709_287_200_123)
        #expect(try string("2024-03-01T12:00:00.1+02") == 1_709_287_200_100)
        #expect(try string("2024-03-01T12:00:00-05:30") == 1_709_314_200_000)
        #expect(try string("2024-03-01T12:00:00Z", .rfc3339) == 1_709_294_400_000)
        #expect(try string("2024-03-01T12:00:00+01:00", zone: "America/New_York") == 1_709_290_800_000)
        #expect(try string("1969-12-31T23:59:59.5Z") == -500)
        #expect(try string("2016-12-31T23:59:60Z") == 1_483_228_800_000)  // leap second: the next second
    }

    @Test func localTimesUseTheConfiguredZone() throws {
        #expect(try string("2024-03-01T12:00:00") == 1_709_294_400_000)  // default UTC
        #expect(try string("2024-03-01T12:00") == 1_709_294_400_000)
        #expect(try string("2024-02-29") == 1_709_164_800_000)  // a date alone: local midnight
        #expect(try string("2024-01-15T12:00:00", zone: "Europe/Berlin") == 1_705_316_400_000)  // CET, +1
        #expect(try string("2024-07-15 12:00:00", .iso8601, zone: "Europe/Berlin") == 1_721_037_600_000)  // CEST, +2
    }

    @Test func springForwardDayInBerlin() throws {
        // 2024-03-31: 02:00 CET jumps to 03:00 CEST.
        #expect(try string("2024-03-31T00:00:00", zone: "Europe/Berlin") == 1_711_839_600_000)
        #expect(try string("2024-03-31T01:30:00", zone: "Europe/Berlin") == 1_711_845_000_000)
        #expect(try string("2024-03-31T03:30:00", zone: "Europe/Berlin") == 1_711_848_600_000)
        // 02:30 does not exist: moved forward by the gap, i.e. the same instant as 03:30 CEST.
        #expect(try string("2024-03-31T02:30:00", zone: "Europe/Berlin") == 1_711_848_600_000)
    }

    @Test func fallBackDayInBerlin() throws {
        // 2024-10-27: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice and takes the first (CEST).
        #expect(try string("2024-10-27T00:00:00", zone: "Europe/Berlin") == 1_729_980_000_000)
        #expect(try string("2024-10-27T01:30:00", zone: "Europe/Berlin") == 1_729_985_400_000)
        #expect(try string("2024-10-27T02:30:00", zone: "Europe/Berlin") == 1_729_989_000_000)
        #expect(try string("2024-10-27T03:30:00", zone: "Europe/Berlin") == 1_729_996_200_000)
    }

    @Test func transitionsInNewYorkToo() throws {
        #expect(try string("2024-03-10T02:30:00", zone: "America/New_York") == 1_710_055_800_000)
        #expect(try string("2024-11-03T01:30:00", zone: "America/New_York") == 1_730_611_800_000)
    }

    @Test func theDayCacheFollowsTheDate() throws {
        // One parser across days and back: each answer must match a fresh parser's.
        var parser = TimestampParser(timeZone: TimeZone(identifier: "Europe/Berlin")!)
        let texts = ["2024-03-30T12:00:00", "2024-03-31T12:00:00", "2024-03-30T12:00:00", "2024-07-01T00:00:00",
                     "2024-03-31T02:30:00", "2024-01-01T00:00:00"]
        for text in texts {
            #expect(try parser.millis(from: text) == string(text, zone: "Europe/Berlin"))
        }
    }

    @Test func numbersInStrings() throws {
        #expect(try string("1700000000") == 1_700_000_000_000)
        #expect(try string("1700000000123") == 1_700_000_000_123)
        #expect(try string("1700000000.25") == 1_700_000_000_250)
    }

    @Test func rangeIsYearsOneToNineThousandNineHundredNinetyNine() throws {
        #expect(try string("0001-01-01T00:00:00Z") == TimestampParser.earliest)
        #expect(try string("9999-12-31T23:59:59.999Z") == TimestampParser.latest)
        #expect(reason { try string("9999-12-31T23:59:59-01:00") }?.contains("outside the years 0001 to 9999") == true)
        #expect(reason { try number("1e30") }?.contains("out") == true)
        #expect(reason { try number("99999999999999999999999999") }?.contains("out") == true)
        #expect(reason { try number("300000000000", .s) }?.contains("outside the years") == true)
    }

    @Test(arguments: [
        ("2024-13-01T00:00:00Z", "month 13 does not exist"),
        ("2024-02-30", "day 30 does not exist in that month"),
        ("2023-02-29", "day 29 does not exist in that month"),
        ("2024-04-31", "day 31 does not exist in that month"),
        ("2024-01-00", "day 0 does not exist in that month"),
        ("0000-01-01", "the year 0000 is before the earliest supported, 0001"),
        ("2024-03-01T24:00:00Z", "time of day out of range"),
        ("2024-03-01T12:60:00Z", "time of day out of range"),
        ("2024-03-01T12:00:00+24:00", "offset out of range"),
        ("2024-03-01T12", "expected ':' after the hour"),
        ("2024-03-01T1:00", "expected 2 digits for the hour"),
        ("2024-03-01T12:00:00.Z", "expected digits after the decimal point"),
        ("2024-03-01T12:00:00 UTC", "expected 'Z', an offset like +02:00, or the end"),
        ("2024-03-01T12:00:00Zjunk", "unexpected text after the offset"),
        ("2024-3-1", "expected 2 digits for the month"),
        ("yesterday", "expected 4 digits for the year"),
        ("", "expected 4 digits for the year"),
        ("2024/03/01", "expected '-' after the year"),
    ])
    func refusesBadDateTimes(text: String, problem: String) {
        let reason = reason { try string(text) }
        #expect(reason?.hasPrefix("\"\(text)\" is not a date-time: ") == true, "\(reason ?? "accepted")")
        #expect(reason?.hasSuffix(problem) == true, "\(reason ?? "accepted")")
    }

    @Test func declaredUnitsRefuseTheOtherKind() {
        #expect(reason { try string("2024-03-01T12:00:00", .rfc3339) }?.contains("has no offset") == true)
        #expect(reason { try string("2024-03-01", .rfc3339) }?.contains("has no offset") == true)
        #expect(reason { try number("1700000000", .rfc3339) }?.contains("declared as rfc3339") == true)
        #expect(reason { try number("1700000000", .iso8601) }?.contains("declared as iso8601") == true)
        #expect(reason { try string("2024-03-01T12:00:00Z", .s) }?.contains("is not a number") == true)
        #expect(reason { try string("1700000000", .iso8601) }?.contains("is not a date-time") == true)
    }

    @Test func messagesQuoteLongOrBinaryValuesOnOneLine() {
        let long = String(repeating: "9", count: 30) + "x\n" + String(repeating: "y", count: 30)
        let message = reason { try string(long) }
        #expect(message?.contains("\n") == false)
        #expect(message?.hasPrefix("\"999999999999999999999999999999x?yyyyyyyy...\"") == true)
    }

    @Test func lineProtocolIntegersInEachPrecision() throws {
        #expect(try TimestampParser.millis(fromInteger: 1_767_225_600_000_000_000, unit: .ns) == 1_767_225_600_000)
        #expect(try TimestampParser.millis(fromInteger: 1_767_225_600_000_000, unit: .us) == 1_767_225_600_000)
        #expect(try TimestampParser.millis(fromInteger: 1_767_225_600_000, unit: .ms) == 1_767_225_600_000)
        #expect(try TimestampParser.millis(fromInteger: 1_767_225_600, unit: .s) == 1_767_225_600_000)
        #expect(try TimestampParser.millis(fromInteger: 1_767_225_600, unit: .auto) == 1_767_225_600_000)
        #expect(try TimestampParser.millis(fromInteger: -1, unit: .ns) == -1)
        #expect(throws: TimestampError.self) { try TimestampParser.millis(fromInteger: Int64.max, unit: .s) }
    }
}
