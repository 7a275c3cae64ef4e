import CrateDB
import Foundation

/// Writes dead-letter rows: every message or row that could not be stored, with why, so nothing is dropped
/// without a trace. Columns follow `TableLayout.deadLetterColumns`.
enum DeadLetter {
    /// Payload text kept in a dead letter; CrateDB cannot store larger single terms, and a dead letter is for
    /// a person to read. `payload_size` keeps the full size.
    static let maxPayloadBytes = 30_000

    struct Entry {
        var id: String
        var receivedAtMicros: Int64
        var topic: String
        var route: String?
        var targetTable: String?
        var reason: String
        var errorCode: Int?
        var payload: UnsafeRawBufferPointer
    }

    static func write(_ entry: Entry, into batch: Batch) {
        batch.beginRow()
        batch.withBody { out in
            JSONWriter.writeString(entry.id, into: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(entry.receivedAtMicros / 1000).utf8)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(entry.topic, into: &out)
            out.append(UInt8(ascii: ","))
            writeOptional(entry.route, into: &out)
            out.append(UInt8(ascii: ","))
            writeOptional(entry.targetTable, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(entry.reason, into: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: (entry.errorCode.map(String.init) ?? "null").utf8)
            out.append(UInt8(ascii: ","))
            let kept = UnsafeRawBufferPointer(rebasing: entry.payload.prefix(keptLength(entry.payload)))
            if let text = String(validating: kept.bindMemory(to: UInt8.self), as: UTF8.self) {
                JSONWriter.writeString(text, into: &out)
                out.append(contentsOf: ",null".utf8)
            } else {
                // Invalid UTF-8 (or a cut inside a character): keep the bytes exactly, as base64.
                out.append(contentsOf: "null,".utf8)
                JSONWriter.writeString(Data(kept).base64EncodedString(), into: &out)
            }
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(entry.payload.count).utf8)
        }
        batch.endRow()
    }

    /// At most `maxPayloadBytes`, cut before a UTF-8 continuation byte so text stays text.
    private static func keptLength(_ payload: UnsafeRawBufferPointer) -> Int {
        var cut = min(payload.count, maxPayloadBytes)
        while cut < payload.count, cut > 0, payload[cut] & 0xC0 == 0x80 { cut -= 1 }
        return cut
    }

    private static func writeOptional(_ text: String?, into out: inout [UInt8]) {
        if let text { JSONWriter.writeString(text, into: &out) } else { out.append(contentsOf: "null".utf8) }
    }
}
