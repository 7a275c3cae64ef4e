#if canImport(CHash)
import CHash
#endif

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every spool record.
///
/// On the CPU's crc32 instruction (SSE4.2, through CHash) when it has one. Otherwise slicing-by-8: eight
/// 256-entry tables let the loop fold eight bytes per step. It runs over every message at the broker's rate, so
/// the loop reads the tables through an unsafe pointer (no bounds checks) and never allocates.
enum CRC32C {
    /// The CRC of `bytes`. Chain calls by passing the previous result as `crc` (start from 0).
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        #if canImport(CHash)
        if isHardwareAccelerated { return checksumInHardware(bytes, continuing: crc) }
        #endif
        return checksumInSoftware(bytes, continuing: crc)
    }

    static let isHardwareAccelerated: Bool = {
        #if canImport(CHash)
        return cratefeed_crc32c_available() != 0
        #else
        return false
        #endif
    }()

    #if canImport(CHash)
    static func checksumInHardware(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return ~cratefeed_crc32c_update(~crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
    #endif

    static func checksumInSoftware(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return tables.withUnsafeBufferPointer { table in
            update(~crc, base, bytes.count, table.baseAddress!)
        }
    }

    private static func update(_ start: UInt32, _ base: UnsafeRawPointer, _ count: Int,
                               _ t: UnsafePointer<UInt32>) -> UInt32 {
        var crc = start
        var p = base
        var remaining = count
        while remaining >= 8 {
            let low = p.loadUnaligned(as: UInt32.self).littleEndian ^ crc
            let high = (p + 4).loadUnaligned(as: UInt32.self).littleEndian
            crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
            p += 8
            remaining -= 8
        }
        while remaining > 0 {
            crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
            p += 1
            remaining -= 1
        }
        return ~crc
    }

    /// tables[k * 256 + b]: the CRC contribution of byte b followed by k zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            t[byte] = crc
        }
        for byte in 0..<256 {
            for k in 1..<8 {
                let previous = t[(k - 1) * 256 + byte]
                t[k * 256 + byte] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()
}
