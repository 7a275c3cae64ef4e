/// Counts of durations in milliseconds, in buckets about 6% wide: exact below 32 ms, then 16 buckets per
/// power of two. Fixed size, so recording never allocates and a long-running daemon keeps it forever.
struct LatencyHistogram: Sendable, Equatable {
    private static let subBuckets = 16
    private static let groups = 40  // up to 2^44 ms, far beyond any real delay
    private var counts = [Int64](repeating: 0, count: 32 + subBuckets * groups)
    private(set) var total: Int64 = 0

    mutating func record(milliseconds: Int64) {
        counts[Self.bucket(max(0, milliseconds))] += 1
        total += 1
    }

    /// What was recorded after `earlier` (an older copy of this histogram): the durations of one interval.
    func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        guard earlier.total > 0, earlier.total <= total else { return self }
        var interval = self
        for index in counts.indices { interval.counts[index] -= earlier.counts[index] }
        interval.total -= earlier.total
        return interval
    }

    /// The smallest bucket bound that at least `fraction` of the recorded durations do not exceed (the
    /// bucket's upper end, so it errs high by at most one bucket); nil when nothing was recorded.
    func percentile(_ fraction: Double) -> Int64? {
        guard total > 0 else { return nil }
        let wanted = max(1, Int64((Double(total) * fraction).rounded(.up)))
        var seen: Int64 = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= wanted { return Self.upperBound(index) }
        }
        return Self.upperBound(counts.count - 1)
    }

    private static func bucket(_ value: Int64) -> Int {
        guard value >= 32 else { return Int(value) }
        let power = 63 - value.leadingZeroBitCount  // 5 for 32..<64
        let sub = Int((value >> (power - 4)) & 0xF)
        return min(32 + (power - 5) * subBuckets + sub, 32 + subBuckets * groups - 1)
    }

    private static func upperBound(_ index: Int) -> Int64 {
        guard index >= 32 else { return Int64(index) }
        let power = (index - 32) / subBuckets + 5
        let sub = Int64((index - 32) % subBuckets)
        return ((16 + sub + 1) << (power - 4)) - 1
    }
}
