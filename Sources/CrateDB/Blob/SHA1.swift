#if canImport(CHash)
import CHash
#endif

/// SHA-1, the digest CrateDB names blobs by. Incremental, so a large file is hashed as it streams.
///
/// The compression runs on the CPU's SHA instructions when it has them (CHash), else in Swift below; tests
/// hold the two to the same results.
public struct SHA1: Sendable {
    typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32)
    private static let initialState: Words = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var state = SHA1.initialState
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    public init() {
        pending.reserveCapacity(64)
    }

    public static func hexDigest<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA1()
        hasher.update(Array(bytes))
        return hasher.finalizeHex()
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            guard pending.count == 64 else { return }
            pending.withUnsafeBufferPointer { Self.compress(&state, $0.baseAddress!) }
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - offset >= 64 {
            Self.compress(&state, bytes.baseAddress! + offset)
            offset += 64
        }
        pending.append(contentsOf: bytes[offset...])
    }

    /// Starts over, keeping the buffer: hashing many small inputs with one hasher allocates nothing.
    public mutating func reset() {
        state = Self.initialState
        pending.removeAll(keepingCapacity: true)
        length = 0
    }

    /// Finishes the hash and returns the 20-byte digest as five big-endian words.
    public mutating func finalizeWords() -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        let bitLength = length &* 8
        let padding = (119 - Int(length % 64)) % 64
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 72) { tail in
            tail.initialize(repeating: 0)
            tail[0] = 0x80
            for index in 0..<8 { tail[1 + padding + index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - index * 8)) }
            update(UnsafeBufferPointer(rebasing: tail[0..<(1 + padding + 8)]))
        }
        return state
    }

    public mutating func finalizeHex() -> String {
        let words = finalizeWords()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        for word in [words.0, words.1, words.2, words.3, words.4] {
            for shift in stride(from: 28, through: 0, by: -4) { out.append(hex[Int((word >> UInt32(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The digest words of a message of at most 55 bytes: padded into one block on the stack, one compression.
    /// For hashing many tiny inputs (row ids) without the incremental machinery.
    public static func words(ofShort bytes: UnsafeRawBufferPointer) -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        precondition(bytes.count <= 55, "SHA1.words(ofShort:) takes at most 55 bytes")
        var state = initialState
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { block in
            block.initialize(repeating: 0)
            if let base = bytes.baseAddress { block.baseAddress!.initialize(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
            block[bytes.count] = 0x80
            let bitLength = UInt64(bytes.count) * 8
            for index in 0..<8 { block[56 + index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - index * 8)) }
            compress(&state, UnsafePointer(block.baseAddress!))
        }
        return state
    }

    /// Whether the compression runs on the CPU's SHA instructions.
    public static let isHardwareAccelerated: Bool = {
        #if canImport(CHash)
        return cratefeed_sha1_available() != 0
        #else
        return false
        #endif
    }()

    private static func compress(_ state: inout Words, _ block: UnsafePointer<UInt8>) {
        #if canImport(CHash)
        if isHardwareAccelerated {
            compressInHardware(&state, block)
            return
        }
        #endif
        compressInSoftware(&state, block)
    }

    #if canImport(CHash)
    static func compressInHardware(_ state: inout Words, _ block: UnsafePointer<UInt8>) {
        // A homogeneous tuple is laid out as an array of its elements.
        withUnsafeMutablePointer(to: &state) {
            $0.withMemoryRebound(to: UInt32.self, capacity: 5) { cratefeed_sha1_compress($0, block, 1) }
        }
    }
    #endif

    static func compressInSoftware(_ state: inout Words, _ block: UnsafePointer<UInt8>) {
        // A stack buffer for the message schedule: no allocation per 64-byte block; raw pointers, no bounds checks.
        state = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            let w = w.baseAddress!
            for i in 0..<16 {
                w[i] = UInt32(block[i * 4]) << 24 | UInt32(block[i * 4 + 1]) << 16 | UInt32(block[i * 4 + 2]) << 8
                    | UInt32(block[i * 4 + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = state
            // Four loops of 20 rounds: none branches on the round number.
            var i = 0
            while i < 20 {
                let temp = (a << 5 | a >> 27) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = temp; i += 1
            }
            while i < 40 {
                let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = temp; i += 1
            }
            while i < 60 {
                let temp = (a << 5 | a >> 27) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = temp; i += 1
            }
            while i < 80 {
                let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = temp; i += 1
            }
            return (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }
}
