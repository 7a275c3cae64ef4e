import Testing
@testable import CrateFeed

@Suite struct LatencyHistogramTests {
    @Test func subtractingAnEarlierCopyLeavesTheInterval() {
        var histogram = LatencyHistogram()
        for _ in 0..<50 { histogram.record(milliseconds: 5_000) }
        let earlier = histogram
        for _ in 0..<10 { histogram.record(milliseconds: 7) }
        let interval = histogram.subtracting(earlier)
        #expect(interval.total == 10)
        #expect(interval.percentile(1) == 7)
        #expect(histogram.subtracting(histogram).percentile(0.99) == nil)
        #expect(histogram.subtracting(LatencyHistogram()) == histogram)
    }

    @Test func emptyHasNoPercentiles() {
        #expect(LatencyHistogram().percentile(0.5) == nil)
    }

    @Test func smallValuesAreExact() {
        var histogram = LatencyHistogram()
        for ms in 0..<10 { histogram.record(milliseconds: Int64(ms)) }
        #expect(histogram.total == 10)
        #expect(histogram.percentile(0.5) == 4)
        #expect(histogram.percentile(0.99) == 9)
        #expect(histogram.percentile(1) == 9)
    }

    @Test func largeValuesAreWithinSevenPercentAbove() {
        for value: Int64 in [32, 33, 63, 64, 100, 1_000, 1_050, 65_535, 3_600_000, 86_400_000] {
            var histogram = LatencyHistogram()
            histogram.record(milliseconds: value)
            let reported = try! #require(histogram.percentile(0.5))
            #expect(reported >= value && Double(reported) <= Double(value) * 1.07, "value \(value) reported \(reported)")
        }
    }

    @Test func percentilesFollowTheDistribution() {
        var histogram = LatencyHistogram()
        for _ in 0..<990 { histogram.record(milliseconds: 20) }
        for _ in 0..<10 { histogram.record(milliseconds: 900) }
        #expect(histogram.percentile(0.5) == 20)
        #expect(histogram.percentile(0.99) == 20)
        let top = try! #require(histogram.percentile(0.999))
        #expect(top >= 900 && top < 960)
    }

    @Test func negativeDurationsFromAClockStepCountAsZero() {
        var histogram = LatencyHistogram()
        histogram.record(milliseconds: -40)
        #expect(histogram.percentile(0.5) == 0)
    }
}
