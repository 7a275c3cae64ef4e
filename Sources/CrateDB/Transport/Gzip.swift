import CZlib

/// gzip for request bodies; CrateDB accepts `Content-Encoding: gzip` on `/_sql`.
enum Gzip {
    /// The fastest level: bulk-insert JSON already shrinks several times at level 1, and this runs for every
    /// large request on the ingest path, where CPU counts more than the last few percent of size on a LAN.
    static let level = Z_BEST_SPEED

    /// `input` as one gzip member.
    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: the largest window, wrapped as gzip rather than zlib.
        let initStatus = CZlib_deflateInit2(&stream, level, 15 + 16)
        guard initStatus == Z_OK else { throw failure(initStatus) }
        defer { deflateEnd(&stream) }

        // deflateBound is the worst case for a single Z_FINISH call, so one call always completes.
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        return try [UInt8](unsafeUninitializedCapacity: bound) { output, count in
            let status = input.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)  // zlib only reads it
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                return deflate(&stream, Z_FINISH)
            }
            guard status == Z_STREAM_END else { throw failure(status) }
            count = Int(stream.total_out)
        }
    }

    private static func failure(_ status: Int32) -> TransportError {
        .other(code: status, "gzip compression of the request body failed (zlib status \(status))")
    }
}
