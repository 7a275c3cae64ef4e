import Testing

@testable import CrateFeed

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", 0.5), ("1s", 1), ("5m", 300), ("2h", 7200), ("7d", 604_800), ("30", 30), ("1.5", 1.5),
        ("1.5s", 1.5), ("1h30m", 5400), ("1h 30m", 5400), (" 10 s ", 10), ("0", 0), ("2MS", 0.002),
    ])
    func parses(text: String, seconds: Double) {
        #expect(DurationText.parse(text) == seconds)
    }

    @Test(arguments: ["", "s", "1 sec", "-1s", "1x", "1h30", "inf", "nan", "0x10", "1e3", "1..5s", ".", "1w"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (0.5, "500ms"), (1, "1s"), (60, "1m"), (90, "90s"), (3600, "1h"), (604_800, "7d"), (0, "0s"),
        (65535, "65535s"), (0.0001, "0.0001s"),
    ])
    func formats(seconds: Double, text: String) {
        #expect(DurationText.format(seconds) == text)
        #expect(DurationText.parse(text) == seconds)
    }
}

@Suite struct ByteSizeTextTests {
    @Test(arguments: [
        ("512KiB", Int64(512 * 1024)), ("16MiB", 16 << 20), ("1GiB", 1 << 30), ("10MB", 10_000_000), ("100", 100),
        ("100B", 100), ("1.5GiB", 1_610_612_736), ("16 mib", 16 << 20), ("2kb", 2000), ("1TiB", 1 << 40),
    ])
    func parses(text: String, bytes: Int64) {
        #expect(ByteSizeText.parse(text) == bytes)
    }

    @Test(arguments: ["", "MiB", "16 MiBs", "-1", "1e3", "16M", "99999999999TiB", "1.2.3KB"])
    func rejects(text: String) {
        #expect(ByteSizeText.parse(text) == nil)
    }

    @Test(arguments: [
        (Int64(16 << 20), "16MiB"), (1 << 30, "1GiB"), (2_000_000_000, "2GB"), (4096, "4KiB"), (1000, "1KB"),
        (1234, "1234B"), (0, "0B"),
    ])
    func formats(bytes: Int64, text: String) {
        #expect(ByteSizeText.format(bytes) == text)
        #expect(ByteSizeText.parse(text) == bytes)
    }
}

@Suite struct KeySuggestionTests {
    @Test(arguments: [
        ("max_row", "max_rows"), ("maxRows", "max_rows"), ("max-rows", "max_rows"), ("tabel", "table"),
        ("tpoic", "topic"), ("routes", "route"),
    ])
    func suggests(unknown: String, known: String) {
        #expect(
            KeySuggestion.closest(to: unknown, among: ["max_rows", "max_bytes", "table", "topic", "route"]) == known)
    }

    @Test func suggestsNothingForAnUnrelatedKey() {
        #expect(KeySuggestion.closest(to: "colour", among: ["max_rows", "table", "topic"]) == nil)
        #expect(KeySuggestion.closest(to: "xy", among: ["qos"]) == nil)
    }
}

@Suite struct CrateDBNameTests {
    @Test(arguments: ["readings", "doc.readings", "t_2", "a"])
    func acceptsTableNames(name: String) {
        #expect(CrateDBName.isTableName(name))
    }

    @Test(arguments: ["", "Readings", "_hidden", "2fast", "a.b.c", "a.", ".a", "with space", "x-y", "ü"])
    func rejectsTableNames(name: String) {
        #expect(!CrateDBName.isTableName(name))
    }

    @Test func limitsLength() {
        #expect(CrateDBName.isIdentifier(String(repeating: "a", count: 255)))
        #expect(!CrateDBName.isIdentifier(String(repeating: "a", count: 256)))
    }
}
