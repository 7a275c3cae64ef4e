/// What an `MQTTClient` tells its owner. Every method is called on the client's network thread, one at a
/// time, and never after `stop()` has returned.
public protocol MQTTClientDelegate: AnyObject {
    /// A message arrived. Called inside libmosquitto's message callback; `message` is valid only during the
    /// call. The client holds back the acknowledgement of a QoS 1/2 message (PUBACK, PUBREC) until this has
    /// returned, so whatever this method has handed to the kernel (the daemon appends to its spool here) is
    /// what the broker may forget: a process killed inside the call gets the message again from the broker.
    /// A few messages can still arrive after `pause()` (already read from the socket); they must be taken.
    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage)

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
