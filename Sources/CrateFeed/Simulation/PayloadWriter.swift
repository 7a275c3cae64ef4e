/// Appends text and numbers to a fixed buffer without allocating: the simulator builds every payload in
/// the same memory. Writing past the capacity traps (the generator sizes the buffer for its largest payload).
struct PayloadWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: count)
    }

    mutating func reset() {
        count = 0
    }

    mutating func append(_ byte: UInt8) {
        precondition(count < capacity, "payload buffer overflow")
        base[count] = byte
        count += 1
    }

    /// ASCII text known at compile time, e.g. `"temperature":`.
    mutating func append(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        precondition(count + length <= capacity, "payload buffer overflow")
        (base + count).update(from: text.utf8Start, count: length)
        count += length
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= capacity, "payload buffer overflow")
        if let source = bytes.baseAddress { (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        count += bytes.count
    }

    /// A decimal integer.
    mutating func append(integer value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        append(unsigned: value.magnitude)
    }

    mutating func append(unsigned value: UInt64) {
        var length = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            length += 1
        }
        precondition(count + length <= capacity, "payload buffer overflow")
        var remaining = value
        var position = count + length - 1
        repeat {
            base[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            position -= 1
        } while remaining > 0
        count += length
    }

    /// `value` rounded to `decimals` places, written as a plain decimal: 21.5 with 2 places is "21.50".
    mutating func append(fixed value: Double, decimals: Int) {
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded())
        if scaled < 0 { append(UInt8(ascii: "-")) }
        let magnitude = scaled.magnitude
        append(unsigned: magnitude / scale)
        guard decimals > 0 else { return }
        append(UInt8(ascii: "."))
        var fraction = magnitude % scale
        var divisor = scale / 10
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// Standard base64 (RFC 4648, with padding) of `source`.
    mutating func append(base64 source: UnsafeRawBufferPointer) {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let table = alphabet.utf8Start
        let encodedLength = (source.count + 2) / 3 * 4
        precondition(count + encodedLength <= capacity, "payload buffer overflow")
        var index = 0
        var output = base + count
        while index + 3 <= source.count {
            let chunk = UInt32(source[index]) << 16 | UInt32(source[index + 1]) << 8 | UInt32(source[index + 2])
            output[0] = table[Int(chunk >> 18 & 63)]
            output[1] = table[Int(chunk >> 12 & 63)]
            output[2] = table[Int(chunk >> 6 & 63)]
            output[3] = table[Int(chunk & 63)]
            output += 4
            index += 3
        }
        let rest = source.count - index
        if rest > 0 {
            let chunk = UInt32(source[index]) << 16 | (rest == 2 ? UInt32(source[index + 1]) << 8 : 0)
            output[0] = table[Int(chunk >> 18 & 63)]
            output[1] = table[Int(chunk >> 12 & 63)]
            output[2] = rest == 2 ? table[Int(chunk >> 6 & 63)] : UInt8(ascii: "=")
            output[3] = UInt8(ascii: "=")
        }
        count += encodedLength
    }
}
