import Testing
@testable import CrateDB

@Suite struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("This is an example.", "3ed84790d068ba7ca4fbf8bf737e4a9a368c600f"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    ])
    func knownDigests(_ input: String, _ digest: String) {
        #expect(SHA1.hexDigest(Array(input.utf8)) == digest)
    }

    @Test func incrementalUpdatesMatchOneShot() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        var hasher = SHA1()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 1000, 3] + Array(repeating: 500, count: 20) where offset < bytes.count {
            let end = min(bytes.count, offset + size)
            hasher.update(Array(bytes[offset..<end]))
            offset = end
        }
        hasher.update(Array(bytes[offset...]))
        #expect(hasher.finalizeHex() == SHA1.hexDigest(bytes))
    }

    @Test func shortInputsInOneBlockMatchTheIncrementalHasher() {
        for length in 0...55 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }
            var hasher = SHA1()
            hasher.update(bytes)
            let expected = hasher.finalizeWords()
            let words = bytes.withUnsafeBytes { SHA1.words(ofShort: $0) }
            #expect([words.0, words.1, words.2, words.3, words.4] == [expected.0, expected.1, expected.2, expected.3, expected.4])
        }
    }

    @Test func millionAs() {
        #expect(SHA1.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// The CPU's SHA instructions and the Swift compression agree on every block (when the CPU has them; the
    /// vectors above then ran on the instructions).
    @Test(.enabled(if: SHA1.isHardwareAccelerated, "this CPU has no SHA instructions: only the Swift path runs"))
    func hardwareAndSoftwareCompressionAgree() {
        #if canImport(CHash)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            let block = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var start: SHA1.Words = (UInt32(truncatingIfNeeded: round), .random(in: 0...UInt32.max), 0xFFFF_FFFF, 0, 0x8000_0001)
            var hardware = start
            block.withUnsafeBufferPointer {
                SHA1.compressInHardware(&hardware, $0.baseAddress!)
                SHA1.compressInSoftware(&start, $0.baseAddress!)
            }
            #expect(hardware == start, "round \(round)")
        }
        #endif
    }
}
