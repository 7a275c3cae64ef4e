import CMosquitto

/// libmosquitto's callbacks: non-capturing C functions that recover the client from the userdata pointer
/// (set unretained in `start()`; the network thread keeps the client alive while it runs them) and call a
/// method. `_withUnsafeGuaranteedRef` skips a retain/release pair per message.
extension MQTTClient {
    func installCallbacks() {
        let pointer = handle.pointer
        mosquitto_connect_v5_callback_set(pointer) { _, userdata, code, _, _ in
            guard let userdata else { return }
            Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.connackReceived(code: code) }
        }
        mosquitto_message_v5_callback_set(pointer) { _, userdata, message, properties in
            guard let userdata, let message else { return }
            Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef {
                $0.deliver(message, properties: properties)
            }
        }
        mosquitto_subscribe_v5_callback_set(pointer) { _, userdata, mid, count, granted, _ in
            guard let userdata else { return }
            let codes = UnsafeBufferPointer(start: granted, count: granted == nil ? 0 : Int(max(0, count)))
            Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef {
                $0.subackReceived(mid: mid, granted: codes)
            }
        }
        mosquitto_unsubscribe_v5_callback_set(pointer) { _, userdata, mid, _ in
            guard let userdata else { return }
            Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.unsubackReceived(mid: mid) }
        }
        mosquitto_disconnect_v5_callback_set(pointer) { _, userdata, code, _ in
            guard let userdata else { return }
            Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.brokerDisconnected(code: code) }
        }
    }

    /// Set only while connecting (`MosquittoHandle.captureLog`).
    static let logCallback: MosquittoHandle.LogCallback = { _, userdata, level, text in
        guard let userdata else { return }
        Unmanaged<MQTTClient>.fromOpaque(userdata)._withUnsafeGuaranteedRef { $0.handle.record(logLevel: level, text) }
    }
}
