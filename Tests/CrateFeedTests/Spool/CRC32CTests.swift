import Testing
@testable import CrateFeed

@Suite struct CRC32CTests {
    private func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0) }
    }

    // RFC 3720 (iSCSI) appendix B.4 and the common check value.
    @Test func knownVectors() {
        #expect(crc(Array("123456789".utf8)) == 0xE306_9283)
        #expect(crc([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(crc([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(crc((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(crc((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(crc([]) == 0)
    }

    @Test func chainedEqualsOneShot() {
        var generator = SeededGenerator(state: 7)
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for split in [0, 1, 7, 8, 9, 63, 64, 2500, 4999, 5000] {
            let chained = bytes.withUnsafeBytes { all in
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[split...]),
                                continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[..<split])))
            }
            #expect(chained == crc(bytes), "split at \(split)")
        }
    }

    /// The sliced loop against the bitwise definition, at every length and alignment up to a few words.
    @Test func matchesBitwiseDefinition() {
        func bitwise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        let bytes = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 3) }
        for start in 0..<9 {
            for end in start...bytes.count {
                let sliced = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                #expect(sliced == bitwise(bytes[start..<end]))
            }
        }
    }

    /// The CPU's crc32 instruction and the tables agree at every length and alignment, chained or not.
    @Test(.enabled(if: CRC32C.isHardwareAccelerated, "this CPU has no SSE4.2: only the table path runs"))
    func hardwareAndSoftwareAgree() {
        #if canImport(CHash)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<600).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 7) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    let seed = UInt32(truncatingIfNeeded: end &* 2_654_435_761)
                    #expect(CRC32C.checksumInHardware(slice) == CRC32C.checksumInSoftware(slice))
                    #expect(CRC32C.checksumInHardware(slice, continuing: seed) == CRC32C.checksumInSoftware(slice, continuing: seed))
                }
            }
        }
        #endif
    }
}
