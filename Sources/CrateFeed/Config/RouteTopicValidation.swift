/// Checks a route's topic filter with the router's own parser, so the configuration accepts exactly the
/// filters the daemon can run.
enum RouteTopicValidation {
    /// Columns cratefeed's own table layouts write, which a named wildcard may not take; the pipeline checks
    /// the same set.
    static let reservedColumns: Set<String> = [
        "id", "ts", "received_at", "topic", "payload", "month", "digest", "size", "content_type",
    ]

    /// Columns every layout writes before its own, mapped ones included.
    static let commonColumns = ["id", "ts", "received_at", "topic"]

    /// The filter's named wildcards (they become TEXT columns), or why it is refused, as one line.
    static func captureNames(of filter: String) -> Result<[String], TopicFilterError> {
        Result { try TopicFilter(filter, reservedNames: reservedColumns).captureNames }
            .mapError { $0 as! TopicFilterError }
    }
}
