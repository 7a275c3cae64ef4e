import CSystemd
import Glibc

/// Sends native journal entries with sd_journal_sendv: one iovec per `NAME=value` field, binary-safe, so
/// values may hold line breaks.
enum JournalWriter {
    static func send(_ fields: [(name: String, value: String)]) throws {
        // All fields in one buffer, then one iovec per field pointing into it: one allocation per entry.
        var buffer: [UInt8] = []
        buffer.reserveCapacity(fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 1 })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append(start..<buffer.count)
        }
        let result = buffer.withUnsafeMutableBytes { bytes -> Int32 in
            let vectors = ranges.map { range in
                iovec(iov_base: bytes.baseAddress! + range.lowerBound, iov_len: range.count)
            }
            // sd_journal_sendv copies the data into its datagram before returning.
            return vectors.withUnsafeBufferPointer { CSystemd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        try SystemdError.checkJournal(result)
    }
}
