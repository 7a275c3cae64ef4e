extension BulkResult {
    /// Reads CrateDB's usual bulk answer, compact JSON whose top-level object holds only empty arrays
    /// (`cols`, `col_types`), a number (`duration`) and `results` made of `{"rowcount":N}` objects, without
    /// building a JSON tree: a 5,000-row batch would otherwise cost 5,000 dictionaries. Nil for anything else
    /// (a row's error object, spacing, other keys); the general parser reads those.
    init?(compact body: [UInt8]) {
        let parsed = body.withUnsafeBufferPointer { bytes -> (counts: [Int], duration: Double)? in
            var scanner = CompactBulkScanner(bytes)
            return scanner.scan()
        }
        guard let parsed else { return nil }
        self.init(outcomes: parsed.counts.map { Outcome.applied(rowCount: $0) }, duration: parsed.duration)
    }
}

/// The byte-level reader behind `BulkResult(compact:)`.
private struct CompactBulkScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func scan() -> (counts: [Int], duration: Double)? {
        guard take("{") else { return nil }
        var counts: [Int]?
        var duration = 0.0
        repeat {
            guard let key = key() else { return nil }
            switch key {
            case "results":
                guard counts == nil, let read = results() else { return nil }
                counts = read
            case "duration":
                guard let value = number() else { return nil }
                duration = value
            case "cols", "col_types":
                guard take("["), take("]") else { return nil }
            default:
                return nil
            }
        } while take(",")
        guard take("}"), index == bytes.count, let counts else { return nil }
        return (counts, duration)
    }

    /// `"name":` with a plain ASCII name.
    private mutating func key() -> String? {
        guard take("\"") else { return nil }
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        index += 1
        return take(":") ? name : nil
    }

    /// `[{"rowcount":N},...]` with every N >= -1 (-2 comes with an error object: not this fast path).
    private mutating func results() -> [Int]? {
        guard take("[") else { return nil }
        var counts: [Int] = []
        if take("]") { return counts }
        repeat {
            guard take("{\"rowcount\":"), let count = integer(), count >= -1, take("}") else { return nil }
            counts.append(count)
        } while take(",")
        return take("]") ? counts : nil
    }

    private mutating func integer() -> Int? {
        let negative = take("-")
        var value = 0
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), index - start < 18 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard index > start else { return nil }
        return negative ? -value : value
    }

    private mutating func number() -> Double? {
        let start = index
        while index < bytes.count, "0123456789+-.eE".utf8.contains(bytes[index]) { index += 1 }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    /// Consumes `literal` when the bytes continue with it.
    private mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        index += count
        return true
    }
}
