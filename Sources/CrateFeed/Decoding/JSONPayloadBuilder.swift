/// Writes compact JSON text into a reusable byte buffer: the payloads the line-protocol, SenML and value
/// decoders build. Callers write keys and separators themselves; this only gets each token right.
struct JSONPayloadBuilder {
    /// Owns the memory, which the builder writes to directly: Array's append costs ~100 instructions a call and
    /// a row takes a dozen. Copies of a builder share the allocation until the next `reset()`, which gives a
    /// builder that is not its sole owner fresh memory, so two copies never write into the same bytes.
    private final class Allocation {
        let pointer: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            self.pointer = .allocate(byteCount: capacity, alignment: 1)
        }

        deinit { pointer.deallocate() }
    }

    private static let initialCapacity = 512
    private var allocation = Allocation(capacity: initialCapacity)
    private(set) var count = 0

    /// The bytes written since the last `reset()`; valid until the builder next changes.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: allocation.pointer, count: count) }

    /// Empties the buffer, keeping its memory unless one huge message made it large.
    mutating func reset() {
        count = 0
        if allocation.capacity > 1 << 22 || !isKnownUniquelyReferenced(&allocation) {
            allocation = Allocation(capacity: Self.initialCapacity)
        }
    }

    @inline(__always)
    private mutating func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if count + extra > allocation.capacity {
            let grown = Allocation(capacity: max(allocation.capacity * 2, count + extra))
            grown.pointer.copyMemory(from: allocation.pointer, byteCount: count)
            allocation = grown
        }
        return allocation.pointer + count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1).storeBytes(of: byte, as: UInt8.self)
        count += 1
    }

    mutating func append(_ text: StaticString) {
        append(raw: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        reserve(raw.count).copyMemory(from: source, byteCount: raw.count)
        count += raw.count
    }

    /// Appends `value` (valid UTF-8) as a quoted JSON string, escaping what JSON requires.
    mutating func appendString(_ value: UnsafeRawBufferPointer) {
        append(UInt8(ascii: "\""))
        appendEscaped(value)
        append(UInt8(ascii: "\""))
    }

    /// Appends `value` (valid UTF-8) escaped for the inside of a JSON string, without quotes.
    mutating func appendEscaped(_ value: UnsafeRawBufferPointer) {
        var runStart = 0
        for index in 0..<value.count {
            let byte = value[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(raw: UnsafeRawBufferPointer(rebasing: value[runStart..<index]))
            appendEscape(for: byte)
            runStart = index + 1
        }
        append(raw: UnsafeRawBufferPointer(rebasing: value[runStart..<value.count]))
    }

    /// Appends the escape sequence for one byte that must not appear raw in a JSON string.
    mutating func appendEscape(for byte: UInt8) {
        append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
        case 0x0A: append(UInt8(ascii: "n"))
        case 0x0D: append(UInt8(ascii: "r"))
        case 0x09: append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            append("u00")
            append(hex.utf8Start[Int(byte >> 4)])
            append(hex.utf8Start[Int(byte & 0xF)])
        }
    }

    mutating func append(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        append(value.magnitude)
    }

    mutating func append(_ value: UInt64) {
        guard value >= 10 else {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of stack: enough for 20 digits
        var digitCount = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - digitCount] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                digitCount += 1
            }
            append(raw: UnsafeRawBufferPointer(rebasing: buffer[(24 - digitCount)...]))
        }
    }

    /// Appends a finite Double in the shortest form that reads back to the same value.
    mutating func append(_ value: Double) {
        precondition(value.isFinite, "JSON has no representation for \(value)")
        if value == value.rounded(), abs(value) < 1e15 {
            append(Int64(value))
            append(".0")  // keep it a floating-point number for CrateDB's dynamic column types
            return
        }
        var text = value.description
        text.withUTF8 { append(raw: UnsafeRawBufferPointer($0)) }
    }
}
