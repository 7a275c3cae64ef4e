// The one place Decoding touches the CrateDB module. The fuzz harnesses compile Decoding with swiftc and list
// Sources/CrateDB/Blob/SHA1.swift as a source of their own, so SHA1 is then in the same module.
#if canImport(CrateDB)
import CrateDB
#endif

/// The SHA-1 hex digest CrateDB names a blob by.
enum BlobDigest {
    static func hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA1()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }
}
