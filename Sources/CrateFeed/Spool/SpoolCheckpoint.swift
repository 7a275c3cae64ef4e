#if canImport(Glibc)
import Glibc
#endif

/// `DIR/checkpoint`: the position every record before which was released. A restart replays from there, so what
/// CrateDB confirmed is not sent again (a lost checkpoint only means an idempotent resend).
///
/// 28 bytes: magic F5 43 46 43, version u16 = 1, reserved u16, segment u64, offset u64, CRC-32C of the first 24
/// bytes u32; all little-endian. Replaced atomically: written to `checkpoint.tmp`, synced, renamed over.
enum SpoolCheckpoint {
    static let fileName = "checkpoint"
    static let temporaryFileName = "checkpoint.tmp"
    static let size = 28
    private static let magic: [UInt8] = [0xF5, 0x43, 0x46, 0x43]

    enum Contents: Equatable {
        case missing
        case position(SpoolPosition)
        /// Unreadable: the bytes, for the BadRecord that reports it.
        case damaged([UInt8])
    }

    static func read(directory: String) throws -> Contents {
        let path = directory + "/" + fileName
        guard try SpoolFile.size(of: path) != nil else { return .missing }
        let file = try SpoolFile.open(path, flags: O_RDONLY)
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        bytes.removeSubrange(count...)
        guard let position = decode(bytes) else { return .damaged(bytes) }
        return .position(position)
    }

    static func write(_ position: SpoolPosition, directory: String, sync: Bool) throws {
        let temporary = directory + "/" + temporaryFileName
        let file = try SpoolFile.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try encode(position).withUnsafeBytes { try file.write($0, at: 0) }
        if sync { try file.sync() }
        file.close()
        try SpoolFile.rename(temporary, to: directory + "/" + fileName)
    }

    static func encode(_ position: SpoolPosition) -> [UInt8] {
        var bytes = magic
        bytes += [1, 0, 0, 0]  // version 1, reserved
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: position.segment >> UInt64(shift))) }
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: position.offset >> UInt64(shift))) }
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> SpoolPosition? {
        guard bytes.count == size, Array(bytes[0..<4]) == magic, bytes[4] == 1, bytes[5] == 0 else { return nil }
        func little(_ range: Range<Int>) -> UInt64 {
            range.reversed().reduce(0) { $0 << 8 | UInt64(bytes[$1]) }
        }
        let checksum = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<24])) }
        guard UInt32(little(24..<28)) == checksum else { return nil }
        return SpoolPosition(segment: little(8..<16), offset: little(16..<24))
    }
}
