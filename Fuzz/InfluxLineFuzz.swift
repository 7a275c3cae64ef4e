// fuzz-sources: Sources/CrateFeed/Decoding/*.swift Sources/CrateDB/Blob/SHA1.swift
//
// The line-protocol decoder: no input may crash it, and every row it emits must be a JSON object of the
// Telegraf shape with a timestamp inside the supported years.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInfluxLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    for precision in [TimestampUnit.ns, .s, .auto] {
        var decoder = InfluxLineDecoder(options: DecoderOptions(influxPrecision: precision))
        var rows = 0
        do {
            try decoder.decode(input) { row in
                rows += 1
                let scanner = JSONScanner(row.payload, maxDepth: 4)
                guard let object = try? scanner.validate(), object.kind == .object else {
                    fatalError("a row payload is not a JSON object: \(String(decoding: row.payload, as: UTF8.self))")
                }
                require(scanner.value(at: ["measurement"], in: object)?.kind == .string)
                require(scanner.value(at: ["tags"], in: object)?.kind == .object)
                require(scanner.value(at: ["fields"], in: object)?.kind == .object)
                if let timestamp = row.timestamp {
                    require(timestamp >= TimestampParser.earliest && timestamp <= TimestampParser.latest)
                }
            }
        } catch let error as DecodeError {
            require(!error.reason.contains("\n"), "multi-line error")
        } catch {
            fatalError("unexpected error \(error)")
        }
        require(rows <= size / 4 + 1, "more rows than lines")
    }
    return 0
}

/// `precondition` that keeps its message in optimized builds, so a failure says which property broke.
private func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "a property does not hold",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
