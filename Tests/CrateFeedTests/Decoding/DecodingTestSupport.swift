@testable import CrateFeed

/// A row copied out of the emit callback, for assertions.
struct CollectedRow: Equatable {
    var timestamp: Int64?
    var payload: String
    var blobs: [DecodedBlob] = []
}

extension PayloadDecoder {
    /// Decodes `text` and returns the rows it emitted.
    mutating func rows(_ text: String) throws -> [CollectedRow] {
        try rows(Array(text.utf8))
    }

    mutating func rows(_ bytes: [UInt8]) throws -> [CollectedRow] {
        var rows: [CollectedRow] = []
        try bytes.withUnsafeBytes { buffer in
            try decode(buffer) { row in
                rows.append(CollectedRow(timestamp: row.timestamp, payload: String(decoding: row.payload, as: UTF8.self), blobs: row.blobs))
            }
        }
        return rows
    }

    /// The reason the decoder gave for refusing `text`, after checking that it emitted nothing; nil if it did not fail.
    mutating func failure(_ text: String) -> String? {
        failure(Array(text.utf8))
    }

    mutating func failure(_ bytes: [UInt8]) -> String? {
        var emitted = 0
        do {
            try bytes.withUnsafeBytes { buffer in try decode(buffer) { _ in emitted += 1 } }
            return nil
        } catch let error as DecodeError {
            return emitted == 0 ? error.reason : "emitted \(emitted) rows before failing: \(error.reason)"
        } catch {
            return "unexpected error type: \(error)"
        }
    }
}
