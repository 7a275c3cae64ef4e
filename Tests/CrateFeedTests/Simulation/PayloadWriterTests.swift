@testable import CrateFeed
import Foundation
import Testing

@Suite struct PayloadWriterTests {
    private func written(_ body: (inout PayloadWriter) -> Void) -> String {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        var writer = PayloadWriter(base: buffer, capacity: 256)
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func integers() {
        #expect(written { $0.append(integer: 0) } == "0")
        #expect(written { $0.append(integer: -42) } == "-42")
        #expect(written { $0.append(integer: Int64.max) } == "9223372036854775807")
        #expect(written { $0.append(integer: Int64.min) } == "-9223372036854775808")
    }

    @Test func fixedPointRoundsAndPads() {
        #expect(written { $0.append(fixed: 21.5, decimals: 2) } == "21.50")
        #expect(written { $0.append(fixed: 21.537, decimals: 2) } == "21.54")
        #expect(written { $0.append(fixed: 0.05, decimals: 1) } == "0.1")
        #expect(written { $0.append(fixed: -3.04, decimals: 2) } == "-3.04")
        #expect(written { $0.append(fixed: -0.001, decimals: 2) } == "0.00")
        #expect(written { $0.append(fixed: 7.9, decimals: 0) } == "8")
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = bytes.withUnsafeBytes { raw in written { $0.append(base64: raw) } }
            #expect(text == Data(bytes).base64EncodedString(), "length \(length)")
        }
    }
}
