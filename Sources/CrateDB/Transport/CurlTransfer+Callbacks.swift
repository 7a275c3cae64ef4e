import CCurl
import Glibc

/// libcurl's callbacks: non-capturing C functions that recover the transfer from their `void *` argument
/// and call into it. All run on the loop thread, inside curl_multi_perform or curl_easy_pause.
///
/// Ownership: the `void *` is an unretained reference (see `CurlTransfer.configure`); the event loop's +1
/// keeps the transfer alive for as long as libcurl can call these.
extension CurlTransfer {
    private static func from(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
        Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    }

    /// CURLOPT_HEADERFUNCTION: one header line, CRLF included.
    static let headerCallback: curl_write_callback = { data, size, count, userdata in
        from(userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
        return size * count
    }

    /// CURLOPT_WRITEFUNCTION: a piece of the response body. Returning CURL_WRITEFUNC_PAUSE pauses the
    /// transfer and makes libcurl keep these bytes to deliver again after curl_easy_pause(CURLPAUSE_CONT).
    static let writeCallback: curl_write_callback = { data, size, count, userdata in
        let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
        return from(userdata).sink.receive(body: bytes) ? bytes.count : CCurl_WRITEFUNC_PAUSE
    }

    /// CURLOPT_READFUNCTION: fill `buffer` with the next bytes of the request body.
    static let readCallback: curl_read_callback = { buffer, size, count, userdata in
        let target = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
        return from(userdata).readBody(into: target) ?? CCurl_READFUNC_ABORT
    }

    /// CURLOPT_SEEKFUNCTION: rewind the request body to send it again (redirect, stale reused connection).
    static let seekCallback: curl_seek_callback = { userdata, offset, origin in
        // libcurl only ever asks for SEEK_SET.
        origin == SEEK_SET && from(userdata).rewindBody(to: Int64(offset)) ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_CANTSEEK
    }
}
