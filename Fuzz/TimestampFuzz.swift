// fuzz-sources: Sources/CrateFeed/Decoding/TimestampParser.swift Sources/CrateFeed/Decoding/TimestampUnit.swift Sources/CrateFeed/Decoding/TimestampError.swift Sources/CrateFeed/Decoding/DateTimeText.swift Sources/CrateFeed/Decoding/LocalTimeConverter.swift Sources/CrateFeed/Decoding/DecimalLiteral.swift
//
// Timestamp parsing in every unit and in a zone with DST: no input may crash it, every result lies in the
// supported years, and a date-time written with `Z` means the same instant as with `+00:00`.
import Foundation

private let berlin = TimeZone(identifier: "Europe/Berlin")!

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamp(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for unit in TimestampUnit.allCases {
        for zone in [TimeZone(secondsFromGMT: 0)!, berlin] {
            var parser = TimestampParser(unit: unit, timeZone: zone)
            check { try parser.millis(fromString: input) }
            check { try parser.millis(fromNumber: input) }
        }
    }
    if size > 1, input[size - 1] == UInt8(ascii: "Z") {
        var parser = TimestampParser(unit: .rfc3339)
        let withZ = try? parser.millis(fromString: input)
        let withOffset = try? (Array(input.dropLast()) + Array("+00:00".utf8)).withUnsafeBytes { try parser.millis(fromString: $0) }
        require(withZ == withOffset, "Z and +00:00 disagree")
    }
    return 0
}

private func check(_ parse: () throws -> Int64) {
    do {
        let millis = try parse()
        require(millis >= TimestampParser.earliest && millis <= TimestampParser.latest, "result out of range")
    } catch let error as TimestampError {
        require(!error.reason.contains("\n"), "multi-line error")
    } catch {
        fatalError("unexpected error \(error)")
    }
}

/// `precondition` that keeps its message in optimized builds, so a failure says which property broke.
private func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "a property does not hold",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
