/// The answer to a statement sent with `bulk_args`: one outcome per argument row, in order.
public struct BulkResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The row was applied; the count is 0 for an `ON CONFLICT DO NOTHING` row that already existed.
        case applied(rowCount: Int)
        /// CrateDB rejected this row (rowcount -2). It names the error for the first few failures only; from
        /// CrateDB 5.0-5.9 (`error_message`) with code 0.
        case failed(ServerError?)
    }

    public let outcomes: [Outcome]
    public let duration: Double

    /// The sum of the non-negative row counts, as the official client's `cursor.rowcount` after `executemany`.
    public var rowCount: Int {
        outcomes.reduce(0) { sum, outcome in
            if case .applied(let count) = outcome, count > 0 { return sum + count }
            return sum
        }
    }

    public var failedIndices: [Int] {
        outcomes.indices.filter { if case .failed = outcomes[$0] { return true } else { return false } }
    }

    init(outcomes: [Outcome], duration: Double) {
        self.outcomes = outcomes
        self.duration = duration
    }

    init(json: SQLValue) throws {
        guard let results = json["results"]?.arrayValue else {
            throw CrateDBError.invalidResponse("a bulk response without \"results\"")
        }
        outcomes = results.map { item in
            let count = item["rowcount"]?.intValue ?? -2
            if count >= 0 || count == -1 { return .applied(rowCount: Int(count)) }
            if let error = item["error"].flatMap({ ServerError(errorObject: $0, status: 200) }) { return .failed(error) }
            // CrateDB 5.0-5.9 name a failed row's error, when they do, in a plain string without a code.
            if let message = item["error_message"]?.stringValue { return .failed(ServerError(code: 0, message: message, status: 200)) }
            return .failed(nil)
        }
        duration = json["duration"]?.doubleValue ?? 0
    }
}
