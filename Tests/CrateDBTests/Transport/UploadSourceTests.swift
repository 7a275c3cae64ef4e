import Foundation
import Testing

@testable import CrateDB

extension TransportTests {
    struct UploadSourceTests {
        private func readAll(_ source: UploadSource, bufferSize: Int = 7) -> [UInt8]? {
            var result: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: bufferSize)
            while true {
                guard let count = buffer.withUnsafeMutableBytes({ source.read(into: $0) }) else { return nil }
                if count == 0 { return result }
                result += buffer.prefix(count)
            }
        }

        @Test func bytesAreReadInPiecesAndRewound() {
            let source = UploadSource(bytes: Array(0..<50))

            #expect(source.size == 50)
            #expect(readAll(source) == Array(0..<50))
            #expect(source.seek(to: 45))
            #expect(readAll(source) == Array(45..<50))
            #expect(!source.seek(to: 51))
        }

        @Test func filesAreReadInPiecesAndRewound() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let content = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
            try Data(content).write(to: URL(fileURLWithPath: path))

            let source = try UploadSource(filePath: path)

            #expect(source.size == 1000)
            #expect(readAll(source, bufferSize: 64) == content)
            #expect(source.seek(to: 0))
            #expect(readAll(source, bufferSize: 64) == content)
        }

        @Test func aMissingFileOrADirectoryIsAFileError() {
            #expect(throws: TransportError.self) { try UploadSource(filePath: "/nonexistent/blob") }
            #expect(throws: TransportError.self) { try UploadSource(filePath: "/tmp") }
        }
    }
}
