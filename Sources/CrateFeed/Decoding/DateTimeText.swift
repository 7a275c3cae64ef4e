/// A date-time as RFC 3339 and ISO 8601 (extended format) write it, read by hand for speed:
/// `YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]][Z|z|±hh[[:]mm]]]`. Fraction digits past milliseconds are
/// truncated; a leap second (`:60`) counts as the first second of the next minute.
struct DateTimeText {
    var year = 0, month = 0, day = 0
    var hour = 0, minute = 0, second = 0, millisecond = 0
    var hasTime = false
    /// Seconds east of UTC, or nil when the text states no offset (local time).
    var offsetSeconds: Int?

    /// Seconds since the epoch of the date and time as if they were UTC (the offset not applied).
    var wallClockSeconds: Int64 {
        Self.daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
    }

    /// Parses `text` or throws a reason naming what is wrong.
    static func parse(_ text: UnsafeRawBufferPointer) throws -> DateTimeText {
        var result = DateTimeText()
        var index = 0
        let count = text.count
        func fail(_ problem: String) -> TimestampError {
            TimestampError("\(TimestampError.quoted(text)) is not a date-time: \(problem)")
        }
        func number(_ digits: Int, _ name: String) throws -> Int {
            var value = 0
            for _ in 0..<digits {
                guard index < count, text[index] &- 0x30 < 10 else { throw fail("expected \(digits) digits for the \(name)") }
                value = value * 10 + Int(text[index] &- 0x30)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8, _ what: String) throws {
            guard index < count, text[index] == byte else { throw fail("expected \(what)") }
            index += 1
        }
        func next(_ byte: UInt8) -> Bool {
            guard index < count, text[index] == byte else { return false }
            index += 1
            return true
        }

        result.year = try number(4, "year")
        try expect(UInt8(ascii: "-"), "'-' after the year")
        result.month = try number(2, "month")
        try expect(UInt8(ascii: "-"), "'-' after the month")
        result.day = try number(2, "day")
        guard (1...12).contains(result.month) else { throw fail("month \(result.month) does not exist") }
        guard result.year >= 1 else { throw fail("the year 0000 is before the earliest supported, 0001") }
        guard (1...daysIn(month: result.month, year: result.year)).contains(result.day) else {
            throw fail("day \(result.day) does not exist in that month")
        }
        guard index < count else { return result }

        guard text[index] == UInt8(ascii: "T") || text[index] == UInt8(ascii: "t") || text[index] == UInt8(ascii: " ") else {
            throw fail("expected 'T' or a space after the date")
        }
        index += 1
        result.hasTime = true
        result.hour = try number(2, "hour")
        try expect(UInt8(ascii: ":"), "':' after the hour")
        result.minute = try number(2, "minute")
        if next(UInt8(ascii: ":")) {
            result.second = try number(2, "second")
            if next(UInt8(ascii: ".")) || next(UInt8(ascii: ",")) {
                var digits = 0
                while index < count, text[index] &- 0x30 < 10 {
                    if digits < 3 { result.millisecond = result.millisecond * 10 + Int(text[index] &- 0x30) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { throw fail("expected digits after the decimal point") }
                for _ in digits..<max(digits, 3) { result.millisecond *= 10 }
            }
        }
        guard result.hour <= 23, result.minute <= 59, result.second <= 60 else { throw fail("time of day out of range") }

        guard index < count else { return result }
        switch text[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
            result.offsetSeconds = 0
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = text[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            let hours = try number(2, "offset hours")
            var minutes = 0
            if index < count {
                _ = next(UInt8(ascii: ":"))
                minutes = try number(2, "offset minutes")
            }
            guard hours <= 23, minutes <= 59 else { throw fail("offset out of range") }
            result.offsetSeconds = sign * (hours * 3_600 + minutes * 60)
        default:
            throw fail("expected 'Z', an offset like +02:00, or the end")
        }
        guard index == count else { throw fail("unexpected text after the offset") }
        return result
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
