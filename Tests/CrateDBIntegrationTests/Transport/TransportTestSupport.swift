import CZlib
import CrateDB
import Foundation

/// What `/echo` of the test server saw.
struct Echo: Decodable {
    let method: String
    let path: String
    let headers: [String: String]
    let content_encoding: String
    let wire_length: Int
    let body_length: Int
    let crc32: UInt32
    let connection: Int

    init(_ response: HTTPResponse) throws {
        self = try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }
}

extension TransportError {
    enum Kind { case connectFailed, timedOut, tls, connectionClosed, responseInterrupted, file, other }

    var kind: Kind {
        switch self {
        case .connectFailed: .connectFailed
        case .timedOut: .timedOut
        case .tls: .tls
        case .connectionClosed: .connectionClosed
        case .responseInterrupted: .responseInterrupted
        case .file: .file
        case .other: .other
        }
    }
}

/// The error `operation` throws, nil when it succeeds.
func failure<T>(of operation: () async throws -> T) async -> (any Error)? {
    do {
        _ = try await operation()
        return nil
    } catch {
        return error
    }
}

/// zlib's CRC-32, as Python's zlib.crc32 computes it.
func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(uLong(crc), $0.baseAddress, uInt($0.count))) }
}

/// Deterministic test bytes (not all alike, so gzip has some work to do).
func testBytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 * 31) ^ ($0 >> 7)) &+ seed }
}

/// This process's resident memory in KiB (VmRSS).
func residentKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// A fresh file path in the temporary directory.
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cratefeed-\(UUID().uuidString)-\(name)").path
}

/// Writes `size` bytes of `testBytes` blocks to a new file without holding them in memory; returns their CRC.
func writeTestFile(_ path: String, size: Int) throws -> UInt32 {
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    let block = testBytes(1 << 20)
    var crc: UInt32 = 0
    var written = 0
    while written < size {
        let piece = Array(block.prefix(size - written))
        try handle.write(contentsOf: piece)
        crc = crc32(piece, continuing: crc)
        written += piece.count
    }
    return crc
}
