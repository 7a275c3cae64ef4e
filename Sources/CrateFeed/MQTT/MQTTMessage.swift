import CMosquitto
import Glibc

/// One received message, as a view into libmosquitto's buffers: valid only during
/// `mqttClient(_:didReceive:)`. Copy what must outlive the call (the daemon writes it to its spool).
/// Building it copies and allocates nothing.
public struct MQTTMessage {
    /// The topic's UTF-8 bytes (no terminating NUL).
    public let topic: UnsafeRawBufferPointer
    public let payload: UnsafeRawBufferPointer
    public let qos: Int32
    /// A retained message: the broker's last value on the topic, sent on subscribing. It is a reading like
    /// any other; a redelivery after a resubscribe is made harmless by the daemon's deterministic ids.
    public let retain: Bool
    /// MQTT 5 properties (`const mosquitto_property *`), read only if asked for.
    private let properties: OpaquePointer?

    init(_ message: UnsafePointer<mosquitto_message>, properties: OpaquePointer?) {
        let fields = message.pointee
        topic = UnsafeRawBufferPointer(start: fields.topic, count: fields.topic.map { strlen($0) } ?? 0)
        payload = UnsafeRawBufferPointer(start: fields.payload, count: Int(max(0, fields.payloadlen)))
        qos = fields.qos
        retain = fields.retain
        self.properties = properties
    }

    /// The topic as a String (allocates: not for the per-message path).
    public var topicString: String {
        String(decoding: topic, as: UTF8.self)
    }

    /// MQTT 5 user properties in the order sent (empty for MQTT 3.1.1). Allocates.
    public func userProperties() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var cursor = properties
        var skipFirst = false
        while true {
            var name: UnsafeMutablePointer<CChar>?
            var value: UnsafeMutablePointer<CChar>?
            // Returns the user property found at or after `cursor` (after it with skipFirst), nil when none is left.
            guard let found = mosquitto_property_read_string_pair(
                cursor, Int32(MQTT_PROP_USER_PROPERTY.rawValue), &name, &value, skipFirst)
            else { break }
            if let name, let value { result.append((String(cString: name), String(cString: value))) }
            free(name)
            free(value)
            cursor = found
            skipFirst = true
        }
        return result
    }
}
