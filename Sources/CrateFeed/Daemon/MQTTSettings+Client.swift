/// The `[mqtt]` section of the configuration as the MQTT client's settings.
extension MQTTSettings {
    func clientSettings(subscriptions: [String]) -> MQTTClientSettings {
        var settings = MQTTClientSettings(host: host, port: port, useTLS: usesTLS, clientID: clientID)
        settings.caFile = caFile
        settings.certFile = certFile
        settings.keyFile = keyFile
        settings.insecure = insecure
        settings.username = username
        settings.password = password?.value
        settings.protocolVersion = protocolVersion == .v311 ? .v311 : .v5
        settings.cleanSession = cleanSession
        settings.sessionExpiry = UInt32(min(sessionExpiry, Double(UInt32.max)))
        settings.keepalive = Int(keepalive)
        settings.reconnectMin = reconnectMin
        settings.reconnectMax = reconnectMax
        settings.qos = Int32(qos.rawValue)
        settings.subscriptions = subscriptions
        return settings
    }
}
