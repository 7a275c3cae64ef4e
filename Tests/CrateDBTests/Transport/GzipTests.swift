import CZlib
import Testing

@testable import CrateDB

extension TransportTests {
    struct GzipTests {
        @Test func compressedBodiesInflateBackWithZlib() throws {
            let json = Array(String(repeating: #"{"stmt":"INSERT INTO t (a, b) VALUES (?, ?)","bulk_args":[[1,"x"]]}"#, count: 500).utf8)

            let compressed = try Gzip.compress(json)

            #expect(compressed.starts(with: [0x1f, 0x8b]))  // the gzip magic number, not a zlib header
            #expect(compressed.count < json.count / 10)
            #expect(try inflate(compressed) == json)
        }

        @Test func incompressibleBodiesStillRoundTrip() throws {
            var generator = SystemRandomNumberGenerator()
            let noise = (0..<300_000).map { _ in UInt8.random(in: .min ... .max, using: &generator) }

            #expect(try inflate(Gzip.compress(noise)) == noise)
        }

        @Test func anEmptyBodyIsAValidGzipMember() throws {
            #expect(try inflate(Gzip.compress([])) == [])
        }

        /// Inflates a gzip member with zlib itself, independently of the code under test.
        private func inflate(_ input: [UInt8]) throws -> [UInt8] {
            var stream = z_stream()
            try #require(CZlib_inflateInit2(&stream, 15 + 16) == Z_OK)
            defer { inflateEnd(&stream) }
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var input = input
            var status = Z_OK
            input.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                while status == Z_OK {
                    buffer.withUnsafeMutableBufferPointer { target in
                        stream.next_out = target.baseAddress
                        stream.avail_out = uInt(target.count)
                        status = CZlib.inflate(&stream, Z_NO_FLUSH)
                        output.append(contentsOf: target.prefix(target.count - Int(stream.avail_out)))
                    }
                }
            }
            try #require(status == Z_STREAM_END)
            return output
        }
    }
}
