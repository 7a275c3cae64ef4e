import CrateDB
import Testing
@testable import CrateFeed

@Suite struct ReadingIDTests {
    /// Ids are stored in CrateDB and a replay must reproduce them: they are pinned to their definition,
    /// SHA-1(SHA-1(topic, 0, payload) words, time LE, row index LE), first 128 bits in hex.
    @Test func idsFollowTheirDefinition() {
        let topic = Array("sensors/dev7/temp".utf8)
        let payload = Array(#"{"ts":1767225600000,"temperature":21.5}"#.utf8)
        var id = ReadingID()
        topic.withUnsafeBytes { topic in payload.withUnsafeBytes { id.beginMessage(topic: topic, payload: $0) } }
        for (time, row) in [(Int64(1_767_225_600_000), 0), (-5, 3), (Int64.max, Int.max)] {
            var out: [UInt8] = []
            id.writeQuotedID(time: time, rowIndex: row, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == "\"\(Self.reference(topic, payload, time, row))\"")
        }
    }

    @Test func differentMessagesRowsAndTimesGiveDifferentIDs() {
        var id = ReadingID()
        var seen = Set<[UInt8]>()
        for n in 0..<50 {
            let payload = Array("{\"n\":\(n)}".utf8)
            Array("t/\(n % 5)".utf8).withUnsafeBytes { topic in payload.withUnsafeBytes { id.beginMessage(topic: topic, payload: $0) } }
            for row in 0..<3 {
                var out: [UInt8] = []
                id.writeQuotedID(time: Int64(n % 2), rowIndex: row, into: &out)
                #expect(out.count == 34)
                seen.insert(out)
            }
        }
        #expect(seen.count == 150)
    }

    private static func reference(_ topic: [UInt8], _ payload: [UInt8], _ time: Int64, _ row: Int) -> String {
        var message = SHA1()
        message.update(topic + [0] + payload)
        let digest = message.finalizeWords()
        var bytes: [UInt8] = []
        withUnsafeBytes(of: digest) { bytes += $0 }
        withUnsafeBytes(of: time.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: Int64(row).littleEndian) { bytes += $0 }
        return String(SHA1.hexDigest(bytes).prefix(32))
    }
}
