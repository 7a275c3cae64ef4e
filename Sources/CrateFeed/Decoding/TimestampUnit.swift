/// How a timestamp value is written. The raw values are the spellings a configuration uses.
public enum TimestampUnit: String, Sendable, CaseIterable {
    /// Numbers: epoch seconds, milliseconds, microseconds or nanoseconds told apart by magnitude;
    /// strings: a number as above, or an RFC 3339 / ISO 8601 date-time.
    case auto
    case s, ms, us, ns
    /// A date-time string that states its offset (`Z`, `+02:00`); local times are refused.
    case rfc3339
    /// A date-time or date string; without an offset it is local time in the configured zone.
    case iso8601
}
