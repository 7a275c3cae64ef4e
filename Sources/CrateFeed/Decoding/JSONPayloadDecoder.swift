/// Format `json`: one object is one row, an array of objects is one row per object. The row's payload is the
/// object's bytes as they arrived (validated, never re-encoded), except when `blobFields` are configured:
/// then each listed field that holds base64 (or a `data:<type>;base64,` URL) is decoded into a blob and the
/// field's value in the payload is replaced by the blob's SHA-1 hex digest. A listed field that is absent or
/// null yields no blob; one holding anything but valid base64 fails the message.
public struct JSONPayloadDecoder: PayloadDecoder {
    public let options: DecoderOptions
    private var timestamps: TimestampParser
    private let timestampPath: [[UInt8]]?
    private let timestampName: String
    private let blobPaths: [(path: [[UInt8]], name: String)]
    private var objects: [(range: Range<Int>, timestamp: Int64?)] = []
    private var scratch: [UInt8] = []
    private var rewritten = JSONPayloadBuilder()

    public init(options: DecoderOptions = DecoderOptions()) {
        self.options = options
        self.timestamps = TimestampParser(unit: options.timestampUnit, timeZone: options.timeZone)
        self.timestampPath = options.timestampPath.map { $0.map { Array($0.utf8) } }
        self.timestampName = options.timestampPath?.joined(separator: ".") ?? ""
        self.blobPaths = options.blobFields.map { path in (path.map { Array($0.utf8) }, path.joined(separator: ".")) }
    }

    public mutating func decode(_ payload: UnsafeRawBufferPointer, emit: (DecodedRow) throws -> Void) throws {
        let scanner = JSONScanner(payload, maxDepth: options.maxDepth)
        let document = try scanner.validatedDocument()
        switch document.kind {
        case .object:
            let timestamp = try readTimestamp(of: document, in: scanner, element: nil)
            if blobPaths.isEmpty {
                try emit(DecodedRow(timestamp: timestamp, payload: scanner.text(of: document)))
            } else {
                try emitWithBlobs(document, timestamp: timestamp, in: scanner, emit)  // checks every blob before emitting
            }
        case .array:
            // Check every element before emitting any: one bad element fails the whole message.
            objects.removeAll(keepingCapacity: objects.capacity <= 1 << 16)
            var position = 0
            for element in scanner.elements(of: document) {
                position += 1
                guard element.kind == .object else {
                    throw DecodeError("element \(position) of the array is \(element.kind.phrase); every element must be an object")
                }
                let timestamp = try readTimestamp(of: element, in: scanner, element: position)
                try checkBlobFields(of: element, in: scanner, element: position)
                objects.append((element.range, timestamp))
            }
            for object in objects {
                let value = JSONValue(kind: .object, range: object.range)
                if blobPaths.isEmpty {
                    try emit(DecodedRow(timestamp: object.timestamp, payload: scanner.text(of: value)))
                } else {
                    try emitWithBlobs(value, timestamp: object.timestamp, in: scanner, emit)
                }
            }
        default:
            throw DecodeError("the payload is \(document.kind.phrase); a json route takes an object or an array of objects")
        }
    }

    private func prefix(_ element: Int?) -> String {
        element.map { "element \($0): " } ?? ""
    }

    private mutating func readTimestamp(of object: JSONValue, in scanner: JSONScanner, element: Int?) throws -> Int64? {
        guard let timestampPath else { return nil }
        guard let value = scanner.value(at: timestampPath, in: object) else {
            throw DecodeError("\(prefix(element))timestamp field \"\(timestampName)\" missing")
        }
        do {
            switch value.kind {
            case .number:
                return try timestamps.millis(fromNumber: scanner.text(of: value))
            case .string where !scanner.hasEscapes(value):
                return try timestamps.millis(fromString: scanner.rawContents(of: value))
            case .string:
                scratch.removeAll(keepingCapacity: true)
                scanner.decodeString(value, into: &scratch)
                return try scratch.withUnsafeBytes { try timestamps.millis(fromString: $0) }
            default:
                throw TimestampError("it is \(value.kind.phrase), expected a number or a string")
            }
        } catch let error as TimestampError {
            throw DecodeError("\(prefix(element))timestamp field \"\(timestampName)\": \(error.reason)")
        }
    }

    /// A blob field's base64 text (a data URL's data part), the field value's range in the payload, and the
    /// data URL's content type.
    private struct BlobText {
        var range: Range<Int>
        var base64: UnsafeRawBufferPointer
        var contentType: String?
    }

    /// Finds a listed field and hands `body` its checked base64 text, or nil when the field is absent or null.
    private func withBlobText<Result>(
        _ blob: (path: [[UInt8]], name: String), of object: JSONValue, in scanner: JSONScanner, element: Int?,
        _ body: (BlobText?) throws -> Result
    ) throws -> Result {
        guard let value = scanner.value(at: blob.path, in: object), value.kind != .null else { return try body(nil) }
        guard value.kind == .string else {
            throw DecodeError("\(prefix(element))blob field \"\(blob.name)\" is \(value.kind.phrase), expected a base64 string")
        }
        func checked(_ text: UnsafeRawBufferPointer) throws -> BlobText {
            var text = text
            var contentType: String?
            if text.starts(with: "data:".utf8) {
                // data:[<media type>][;parameters];base64,<data>
                guard let comma = text.firstIndex(of: UInt8(ascii: ",")), comma >= 12,
                    text[(comma - 7)..<comma].elementsEqual(";base64".utf8)
                else {
                    throw DecodeError("\(prefix(element))blob field \"\(blob.name)\" is a data URL without \";base64,\"")
                }
                let mediaType = text[5..<(comma - 7)].prefix { $0 != UInt8(ascii: ";") }
                contentType = mediaType.isEmpty ? nil : String(decoding: mediaType, as: UTF8.self)
                text = UnsafeRawBufferPointer(rebasing: text[(comma + 1)...])
            }
            if let problem = Base64Decoding.problem(in: text) {
                throw DecodeError("\(prefix(element))blob field \"\(blob.name)\" is not valid base64: \(problem)")
            }
            return BlobText(range: value.range, base64: text, contentType: contentType)
        }
        if scanner.hasEscapes(value) {  // e.g. "\/" as some encoders write '/'
            var decoded: [UInt8] = []
            scanner.decodeString(value, into: &decoded)
            return try decoded.withUnsafeBytes { try body(checked($0)) }
        }
        return try body(checked(scanner.rawContents(of: value)))
    }

    private func checkBlobFields(of object: JSONValue, in scanner: JSONScanner, element: Int?) throws {
        for blob in blobPaths {
            try withBlobText(blob, of: object, in: scanner, element: element) { _ in }
        }
    }

    /// Decodes the object's blobs and emits it with each blob field's value replaced by the blob's digest.
    private mutating func emitWithBlobs(
        _ object: JSONValue, timestamp: Int64?, in scanner: JSONScanner, _ emit: (DecodedRow) throws -> Void
    ) throws {
        var blobs: [DecodedBlob] = []
        var replacements: [(range: Range<Int>, digest: String)] = []
        for blob in blobPaths {
            try withBlobText(blob, of: object, in: scanner, element: nil) { text in
                guard let text, !replacements.contains(where: { $0.range == text.range }) else { return }
                let bytes = Base64Decoding.decode(text.base64)
                let digest = BlobDigest.hex(bytes)
                blobs.append(DecodedBlob(digest: digest, bytes: bytes, contentType: text.contentType))
                replacements.append((text.range, digest))
            }
        }
        guard !blobs.isEmpty else {
            return try emit(DecodedRow(timestamp: timestamp, payload: scanner.text(of: object)))
        }
        replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
        rewritten.reset()
        var copied = object.range.lowerBound
        for replacement in replacements {
            rewritten.append(raw: UnsafeRawBufferPointer(rebasing: scanner.bytes[copied..<replacement.range.lowerBound]))
            rewritten.append(UInt8(ascii: "\""))
            var digest = replacement.digest
            digest.withUTF8 { rewritten.append(raw: UnsafeRawBufferPointer($0)) }
            rewritten.append(UInt8(ascii: "\""))
            copied = replacement.range.upperBound
        }
        rewritten.append(raw: UnsafeRawBufferPointer(rebasing: scanner.bytes[copied..<object.range.upperBound]))
        try emit(DecodedRow(timestamp: timestamp, payload: rewritten.bytes, blobs: blobs))
    }
}
