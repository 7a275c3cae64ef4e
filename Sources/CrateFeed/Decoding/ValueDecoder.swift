/// Format `value`: the payload is one bare value, e.g. `21.5` on `sensors/dev5/temp`. After trimming
/// whitespace it becomes `{"value":21.5}` when it is a JSON number, `{"bool_value":true}` for `true`/`false`,
/// and `{"string_value":"ON"}` for text (a JSON string such as `"on"` is unwrapped; `007` stays the string
/// "007"). Each kind has its own key, as in SenML, because a dynamic OBJECT column fixes a key's type the
/// first time it sees it: a sensor that sends both numbers and "offline" would otherwise have rows rejected.
/// Empty payloads and invalid UTF-8 fail.
public struct ValueDecoder: PayloadDecoder {
    public let options: DecoderOptions
    private var payload = JSONPayloadBuilder()

    public init(options: DecoderOptions = DecoderOptions()) {
        self.options = options
    }

    public mutating func decode(_ message: UnsafeRawBufferPointer, emit: (DecodedRow) throws -> Void) throws {
        var start = 0
        var end = message.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while start < end, isSpace(message[start]) { start += 1 }
        while end > start, isSpace(message[end - 1]) { end -= 1 }
        guard start < end else { throw DecodeError("empty payload; a value route needs a number, true/false or text") }
        let text = UnsafeRawBufferPointer(rebasing: message[start..<end])
        if let bad = UTF8Validation.firstInvalidByte(text) { throw DecodeError("invalid UTF-8 at byte \(start + bad)") }

        payload.reset()
        if DecimalLiteral.parse(text) != nil {
            payload.append("{\"value\":")
            payload.append(raw: text)
        } else if text.elementsEqual("true".utf8) || text.elementsEqual("false".utf8) {
            payload.append("{\"bool_value\":")
            payload.append(raw: text)
        } else if text.first == UInt8(ascii: "\""), (try? JSONScanner(text).validate())?.kind == .string {
            payload.append("{\"string_value\":")
            payload.append(raw: text)
        } else {
            payload.append("{\"string_value\":")
            payload.appendString(text)
        }
        payload.append(UInt8(ascii: "}"))
        try emit(DecodedRow(timestamp: nil, payload: payload.bytes))
    }
}
