/// What an `MQTTClient` tells its owner. Every method is called on the client's network thread, one at a
/// time, and never after `stop()` has returned.
public protocol MQTTClientDelegate: AnyObject {
    /// A message arrived. Called inside libmosquitto's message callback; `message` is valid only during the
    /// call. The client holds back the acknowledgement of a QoS 1/2 message (PUBACK, PUBREC) until this and
    /// the next `mqttClientFinishedBurst(_:)` have returned, so the delegate may gather messages in memory
    /// here and hand them to the kernel there (the daemon writes them to its spool): a process killed before
    /// gets them again from the broker. A few messages can still arrive after `pause()` (already read from
    /// the socket); they must be taken.
    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage)

    /// Everything received since the last call must be kept now: called after each burst of messages read
    /// from the socket and before any acknowledgement goes out. At QoS 0 nothing is acknowledged, so a message
    /// held in memory until this call is in the same place as one still in the socket's buffer.
    func mqttClientFinishedBurst(_ client: MQTTClient)

    /// Connected and subscribed: the broker acknowledged every filter (any it refused is reported as a problem).
    func mqttClientDidConnect(_ client: MQTTClient)

    /// The connection ended or could not be made; `reason` is one line naming the broker, the cause and what
    /// happens next (a reconnect after the backoff, or nothing while paused).
    func mqttClient(_ client: MQTTClient, didDisconnectWith reason: String)

    /// Something the operator should see, though the client carries on: the broker refused a subscription
    /// (no messages will come from that filter until the configuration or the broker's ACL changes), or the
    /// remembered subscriptions could not be read or saved. One line naming the filter or file.
    func mqttClient(_ client: MQTTClient, didReportProblem problem: String)
}

extension MQTTClientDelegate {
    /// For delegates that keep each message inside `mqttClient(_:didReceive:)`.
    public func mqttClientFinishedBurst(_ client: MQTTClient) {}
}
