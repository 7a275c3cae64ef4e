// fuzz-sources: Sources/CrateFeed/Decoding/*.swift Sources/CrateDB/Blob/SHA1.swift Sources/CrateDB/JSON/JSONParser.swift Sources/CrateDB/JSON/JSONWriter.swift Sources/CrateDB/SQL/SQLValue.swift
//
// The JSON scanner against the CrateDB module's JSONParser as an oracle (both must accept and refuse the same
// documents), its navigation (every range it hands out must be a valid value on its own), and the json and
// value decoders on the same input.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScanner(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let scanner = JSONScanner(input, maxDepth: 400)
    let oracleAccepts = (try? JSONParser.parse(UnsafeBufferPointer(start: data, count: size))) != nil
    do {
        let document = try scanner.validate()
        require(oracleAccepts, "the scanner accepted what JSONParser refuses")
        checkNavigation(scanner, document, depth: 0)
    } catch let error as JSONScanError {
        require(error.offset >= 0 && error.offset <= size, "error offset outside the input")
        require(!error.description.contains("\n"), "multi-line error")
        if !error.problem.hasPrefix("nested deeper") {
            require(!oracleAccepts, "the scanner refused what JSONParser accepts: \(error)")
        }
    } catch {
        fatalError("unexpected error \(error)")
    }
    decodeWithEveryOption(input)
    return 0
}

/// Every value the navigation finds must validate on its own as the same kind, and keys must be found again.
private func checkNavigation(_ scanner: JSONScanner, _ value: JSONValue, depth: Int) {
    require(value.range.lowerBound >= 0 && value.range.upperBound <= scanner.bytes.count && !value.range.isEmpty)
    let alone = scanner.text(of: value)
    require((try? JSONScanner(alone, maxDepth: 400).validate())?.kind == value.kind, "a range is not a value on its own")
    switch value.kind {
    case .object:
        for (key, member) in scanner.members(of: value) {
            require(key.kind == .string)
            var name: [UInt8] = []
            scanner.decodeString(key, into: &name)
            require(UTF8Validation.firstInvalidByte(name.withUnsafeBytes { $0 }) == nil, "a decoded key is not UTF-8")
            let found = name.withUnsafeBytes { scanner.member($0, of: value) }
            require(found != nil, "a member's own key does not find it")
            checkNavigation(scanner, member, depth: depth + 1)
        }
    case .array:
        for element in scanner.elements(of: value) { checkNavigation(scanner, element, depth: depth + 1) }
    case .string:
        var decoded: [UInt8] = []
        scanner.decodeString(value, into: &decoded)
        decoded.withUnsafeBytes { bytes in
            require(UTF8Validation.firstInvalidByte(bytes) == nil, "a decoded string is not UTF-8")
            require(scanner.stringEquals(value, bytes), "a string does not equal its own value")
        }
    case .number:
        _ = scanner.double(value)
        _ = scanner.int64(value)
    case .bool, .null:
        break
    }
}

private func decodeWithEveryOption(_ input: UnsafeRawBufferPointer) {
    var plain = JSONPayloadDecoder()
    var timed = JSONPayloadDecoder(options: DecoderOptions(timestampPath: ["ts"], blobFields: [["b"], ["m", "b"]]))
    for decoder in [plain, timed] {
        var decoder = decoder
        try? decoder.decode(input) { row in checkRowPayload(row.payload, blobs: row.blobs) }
    }
    plain = JSONPayloadDecoder(options: DecoderOptions(timestampPath: ["t"], timestampUnit: .iso8601))
    try? plain.decode(input) { row in checkRowPayload(row.payload, blobs: row.blobs) }
    timed = JSONPayloadDecoder(options: DecoderOptions(timestampPath: ["t"], timestampUnit: .ms))
    try? timed.decode(input) { row in checkRowPayload(row.payload, blobs: row.blobs) }
    var value = ValueDecoder()
    try? value.decode(input) { row in checkRowPayload(row.payload, blobs: row.blobs) }
}

private func checkRowPayload(_ payload: UnsafeRawBufferPointer, blobs: [DecodedBlob]) {
    let kind = try? JSONScanner(payload, maxDepth: 1024).validate().kind
    require(kind == .object, "a row payload is not a JSON object")
    for blob in blobs { require(blob.digest.utf8.count == 40 && blob.digest == BlobDigest.hex(blob.bytes)) }
}

/// `precondition` that keeps its message in optimized builds, so a failure says which property broke.
private func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "a property does not hold",
                     file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
