// fuzz-sources: Sources/CrateFeed/Decoding/*.swift Sources/CrateDB/Blob/SHA1.swift
//
// The SenML decoder: no input may crash it, and every row it emits must be a JSON object with a name.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSenML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = SenMLDecoder(receivedAt: 1_700_000_000_000)
    do {
        try decoder.decode(input) { row in
            let scanner = JSONScanner(row.payload, maxDepth: 4)
            guard let object = try? scanner.validate(), object.kind == .object else {
                fatalError("a row payload is not a JSON object: \(String(decoding: row.payload, as: UTF8.self))")
            }
            require(scanner.value(at: ["name"], in: object)?.kind == .string)
            if let timestamp = row.timestamp {
                require(timestamp >= TimestampParser.earliest && timestamp <= TimestampParser.latest)
            }
        }
    } catch let error as DecodeError {
        require(!error.reason.contains("\n"), "multi-line error")
    } catch {
        fatalError("unexpected error \(error)")
    }
    return 0
}

/// `precondition` that keeps its message in optimized builds, so a failure says which property broke.
private func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "a property does not hold",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
