import Foundation

/// Turns local wall-clock times of one time zone into UTC, asking Foundation's TimeZone (and so the tz
/// database, DST included) once per local day: readings arrive in time order, so the last day's offset
/// answers nearly every call.
///
/// On a day with a transition every call asks Foundation, and resolves like java.time's
/// ZonedDateTime.ofLocal: a time in the spring-forward gap is moved forward by the gap's length (02:30 on a
/// day that skips 02:00-03:00 becomes 03:30), an ambiguous time in the fall-back overlap takes the earlier
/// offset (the first 02:30).
struct LocalTimeConverter {
    let timeZone: TimeZone
    private var cachedDay = Int64.min
    private var cachedOffset: Int64 = 0

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    mutating func utcSeconds(fromLocal local: Int64) -> Int64 {
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        if day == cachedDay { return local - cachedOffset }

        // Offsets lie within -12h...+14h, so the day's local times are UTC instants inside this window.
        let before = offset(atUTC: day * 86_400 - 14 * 3_600)
        let after = offset(atUTC: (day + 1) * 86_400 + 12 * 3_600)
        if before == after {
            cachedDay = day
            cachedOffset = before
            return local - before
        }
        if offset(atUTC: local - before) == before { return local - before }  // before the change, or the overlap's first pass
        if offset(atUTC: local - after) == after { return local - after }
        return local - before  // in the gap: shifted forward by its length
    }

    private func offset(atUTC seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }
}
