import Testing
@testable import CrateFeed

@Suite struct RouteTableTests {
    private func table(_ filters: [String]) throws -> RouteTable {
        try RouteTable(filters.enumerated().map { (try TopicFilter($0.element), $0.offset) })
    }

    @Test func theFirstMatchingRouteWins() throws {
        let routes = try table(["sensors/+device/temp", "sensors/+device/+metric", "sensors/#rest", "#"])
        #expect(routes.route(for: "sensors/dev1/temp")?.index == 0)
        #expect(routes.route(for: "sensors/dev1/temp")?.captures == ["dev1"])
        #expect(routes.route(for: "sensors/dev1/hum")?.index == 1)
        #expect(routes.route(for: "sensors/dev1/hum")?.captures == ["dev1", "hum"])
        #expect(routes.route(for: "sensors/dev1/a/b")?.index == 2)
        #expect(routes.route(for: "other")?.index == 3)
        #expect(routes.route(for: "$SYS/load") == nil)
    }

    @Test func routeIndexesAreTheConfiguredOnes() throws {
        var routes = RouteTable()
        routes.append(try TopicFilter("a/+x"), route: 7)
        routes.append(try TopicFilter("b/#"), route: 3)
        #expect(routes.route(for: "b/c")?.index == 3)
        let topic = Array("a/q".utf8)
        let match = topic.withUnsafeBytes { routes.route(for: $0) }
        #expect(match?.index == 7)
        #expect(match?.captures[0] == 2..<3)
    }

    @Test func noRouteForAnUnmatchedTopic() throws {
        let routes = try table(["a/+", "b/#"])
        #expect(routes.route(for: "c") == nil)
        #expect(routes.route(for: "a/b/c") == nil)
        #expect(RouteTable().route(for: "a") == nil)
    }

    @Test func subscriptionFiltersDropDuplicatesAndCoveredFilters() throws {
        #expect(try table(["sensors/+device/temp", "sensors/#", "plant/+site"]).subscriptionFilters == ["sensors/#", "plant/+"])
        #expect(try table(["a/+x", "a/+y", "a/b"]).subscriptionFilters == ["a/+"])
        #expect(try table(["a/b", "c/d"]).subscriptionFilters == ["a/b", "c/d"])
        #expect(try table(["#", "$SYS/#"]).subscriptionFilters == ["#", "$SYS/#"])
    }
}
