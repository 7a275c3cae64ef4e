import Foundation
import Testing
@testable import CrateFeed

/// The fuzz seeds in Fuzz/corpus/SpoolRecord are what their names say, so the fuzzer starts from real segments
/// and real damage (and a format change that forgets to regenerate them shows up here).
@Suite struct SpoolFuzzCorpusTests {
    private static var corpus: String {
        let thisFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        return thisFile.deletingLastPathComponent().appendingPathComponent("../../../Fuzz/corpus/SpoolRecord").standardized.path
    }

    /// (records, damage reasons) found walking the seed as the open-time scan does.
    private func walk(_ name: String) throws -> (records: Int, damage: [String]) {
        let bytes = Array(try #require(FileManager.default.contents(atPath: Self.corpus + "/" + name), "seed \(name)"))
        let hasHeader = bytes.withUnsafeBytes { SpoolRecordFormat.parseSegmentHeader($0) } != nil
        let cursor = SpoolSegmentCursor(source: MemorySegmentSource(bytes: bytes), offset: hasHeader ? 16 : 0)
        var records = 0
        var damage: [String] = []
        while true {
            switch try cursor.next(limit: Int64(bytes.count), damageAtEndIsTorn: true) {
            case .record: records += 1
            case .damage(let found): damage.append(found.reason)
            case .end: return (records, damage)
            }
        }
    }

    @Test func seedsAreWhatTheirNamesSay() throws {
        #expect(try walk("valid-json") == (12, []))
        #expect(try walk("valid-mixed") == (5, []))
        #expect(try walk("valid-one") == (1, []))
        #expect(try walk("records-only") == (5, []))
        #expect(try walk("empty-segment") == (0, []))
        #expect(try walk("torn-tail") == (4, ["torn record at end of segment"]))
        #expect(try walk("corrupt-flipped-byte") == (11, ["checksum mismatch"]))
        #expect(try walk("corrupt-length") == (11, ["record extends past end of segment"]))
        #expect(try walk("garbage-between") == (5, ["bad record magic"]))
        #expect(try walk("zero-tail") == (12, ["torn record at end of segment"]))
    }
}
