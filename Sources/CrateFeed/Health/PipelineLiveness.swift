/// The watchdog's view of the pipeline at one moment: is each loop still going round?
public struct PipelineLiveness: Sendable, Equatable {
    /// The MQTT network loop iterated recently.
    public var mqttLoopAlive: Bool
    /// The writer loop iterated recently. Waiting out a CrateDB outage with retries and backoff counts as
    /// alive (the spool absorbs outages); being stuck (a deadlock, a request hung past its timeout) does not.
    public var writerAlive: Bool
    /// What is stuck, for the log line when the pings stop, e.g. "writer loop silent for 45 s (limit 40 s)".
    public var detail: String

    public init(mqttLoopAlive: Bool, writerAlive: Bool, detail: String = "") {
        self.mqttLoopAlive = mqttLoopAlive
        self.writerAlive = writerAlive
        self.detail = detail
    }

    public var isAlive: Bool { mqttLoopAlive && writerAlive }
}
