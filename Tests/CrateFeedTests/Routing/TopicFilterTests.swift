import Testing
@testable import CrateFeed

@Suite struct TopicFilterTests {
    @Test func namedWildcardsBecomeCapturesAndVanishFromTheMQTTFilter() throws {
        let filter = try TopicFilter("sensors/+device/+sensor")
        #expect(filter.mqttFilter == "sensors/+/+")
        #expect(filter.captureNames == ["device", "sensor"])
        #expect(filter.match("sensors/dev5/temp") == ["dev5", "temp"])

        let rest = try TopicFilter("plant/+site/#rest")
        #expect(rest.mqttFilter == "plant/+/#")
        #expect(rest.captureNames == ["site", "rest"])
        #expect(rest.match("plant/north/line1/press/7") == ["north", "line1/press/7"])
    }

    @Test func unnamedWildcardsMatchWithoutCapturing() throws {
        let filter = try TopicFilter("a/+/c/#")
        #expect(filter.captureNames.isEmpty)
        #expect(filter.match("a/b/c/d/e") == [])
        #expect(filter.match("a/b/x/d") == nil)
    }

    @Test func plusMatchesExactlyOneLevelWhichMayBeEmpty() throws {
        let filter = try TopicFilter("a/+x/c")
        #expect(filter.match("a/b/c") == ["b"])
        #expect(filter.match("a//c") == [""])
        #expect(filter.match("a/b/b/c") == nil)
        #expect(filter.match("a/c") == nil)
        #expect(filter.match("a/b/c/") == nil)
        #expect(try TopicFilter("+x").match("") == [""])
        #expect(try TopicFilter("+x/+y").match("/") == ["", ""])
    }

    @Test func hashMatchesTheRestIncludingTheParentLevel() throws {
        let filter = try TopicFilter("a/#rest")
        #expect(filter.match("a") == [""])
        #expect(filter.match("a/") == [""])
        #expect(filter.match("a/b") == ["b"])
        #expect(filter.match("a/b/c/") == ["b/c/"])
        #expect(filter.match("ab") == nil)
        #expect(filter.match("b/a") == nil)
        #expect(try TopicFilter("#all").match("x/y") == ["x/y"])
    }

    @Test func literalLevelsMatchExactly() throws {
        let filter = try TopicFilter("sensors/temp")
        #expect(filter.match("sensors/temp") == [])
        #expect(filter.match("sensors/Temp") == nil)
        #expect(filter.match("sensors/temp/") == nil)
        #expect(filter.match("sensors") == nil)
        #expect(filter.match("/sensors/temp") == nil)
        #expect(try TopicFilter("/a//b").match("/a//b") == [])
        #expect(try TopicFilter("caf\u{E9}/+x").match("caf\u{E9}/\u{1F321}") == ["\u{1F321}"])
    }

    @Test func dollarTopicsAreNotMatchedByALeadingWildcard() throws {
        #expect(try TopicFilter("#").match("$SYS/broker/uptime") == nil)
        #expect(try TopicFilter("+/broker/#").match("$SYS/broker/uptime") == nil)
        #expect(try TopicFilter("$SYS/#").match("$SYS/broker/uptime") == [])
        #expect(try TopicFilter("a/+").match("a/$b") == [])
        #expect(try TopicFilter("#").match("a/$b") == [])
    }

    @Test func capturesAreRangesIntoTheTopicBytes() throws {
        let filter = try TopicFilter("s/+device/#rest")
        let topic = Array("s/dev7/x/y".utf8)
        var captures = TopicCaptures()
        let matched = topic.withUnsafeBytes { filter.match($0, captures: &captures) }
        #expect(matched)
        #expect(captures.count == 2)
        #expect(captures[0] == 2..<6)
        #expect(captures[1] == 7..<10)
        let returned = topic.withUnsafeBytes { filter.match($0) }
        #expect(returned == captures)
        #expect(Array("t/x".utf8).withUnsafeBytes { filter.match($0) } == nil)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("a/#/b", "'#' must be the last level"),
        ("a/#x/b", "'#' must be the last level"),
        ("a+b/c", "'+' and '#' must start a level of their own, found \"a+b\""),
        ("a/b#", "'+' and '#' must start a level of their own"),
        ("a/+x+y", "'+' and '#' must start a level of their own"),
        ("+dev/+dev", "the name \"dev\" is used twice"),
        ("+Device", "is not a column name"),
        ("+9lives", "is not a column name"),
        ("+dev-id", "is not a column name"),
        ("+_hidden", "starts with '_', which CrateDB reserves"),
        ("$share/group/a/+", "shared subscriptions are set with [mqtt] shared_group"),
    ])
    func refusesInvalidFilters(filter: String, problem: String) {
        do {
            _ = try TopicFilter(filter)
            Issue.record("\(filter) was accepted")
        } catch let error as TopicFilterError {
            #expect(error.description.hasPrefix("topic filter \"\(filter)\": "))
            #expect(error.description.contains(problem), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func refusesNUL() {
        #expect(throws: TopicFilterError(filter: "a/\u{0}", problem: "contains a NUL character, which MQTT does not allow")) {
            try TopicFilter("a/\u{0}")
        }
    }

    @Test func refusesNamesTheTableAlreadyHas() {
        #expect(throws: TopicFilterError.self) { try TopicFilter("s/+ts", reservedNames: ["ts", "topic"]) }
        #expect((try? TopicFilter("s/+device", reservedNames: ["ts", "topic"])) != nil)
    }

    @Test func refusesMoreCapturesThanFit() {
        let many = (0...TopicCaptures.capacity).map { "+n\($0)" }.joined(separator: "/")
        #expect(throws: TopicFilterError.self) { try TopicFilter(many) }
        let enough = (0..<TopicCaptures.capacity).map { "+n\($0)" }.joined(separator: "/")
        #expect((try? TopicFilter(enough))?.captureNames.count == TopicCaptures.capacity)
    }

    @Test func coversTellsRedundantSubscriptions() throws {
        func covers(_ a: String, _ b: String) throws -> Bool { try TopicFilter(a).covers(TopicFilter(b)) }
        #expect(try covers("#", "a/+/c"))
        #expect(try covers("a/#", "a"))
        #expect(try covers("a/#", "a/+/#"))
        #expect(try covers("a/+", "a/b"))
        #expect(try covers("a/+/c", "a/+/c"))
        #expect(try !covers("a/+", "a/#"))
        #expect(try !covers("a/b", "a/+"))
        #expect(try !covers("a/+", "a/b/c"))
        #expect(try !covers("#", "$SYS/x"))
        #expect(try !covers("+/x", "$SYS/x"))
        #expect(try covers("$SYS/#", "$SYS/x"))
    }

    @Test func overlapsTellsFiltersWithATopicInCommon() throws {
        func overlaps(_ a: String, _ b: String) throws -> Bool {
            let (x, y) = (try TopicFilter(a), try TopicFilter(b))
            #expect(x.overlaps(y) == y.overlaps(x), "overlap is symmetric: \(a) \(b)")
            return x.overlaps(y)
        }
        #expect(try overlaps("o/+x/special", "o/a/+y"))  // o/a/special
        #expect(try overlaps("a/#", "a"))
        #expect(try overlaps("a/+/c", "+/b/#"))
        #expect(try overlaps("a/b", "a/b"))
        #expect(try !overlaps("a/+", "b/+"))
        #expect(try !overlaps("a/+", "a/b/c"))
        #expect(try !overlaps("a/b/c", "a/b"))
        #expect(try !overlaps("#", "$SYS/x"))
        #expect(try !overlaps("+/x", "$SYS/#"))
        #expect(try overlaps("$SYS/+", "$SYS/#"))
    }
}
