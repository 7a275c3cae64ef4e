/// Where the watchdog learns whether the pipeline makes progress; the daemon supplies it.
///
/// Usually `.heartbeats(...)`: the MQTT loop and the writer loop each beat a `Heartbeat` every iteration, and
/// a loop counts as stuck once it has been silent longer than its stall limit. The check must be quick and
/// must not block: it runs on the health thread, between watchdog pings.
public struct ProgressProbe: Sendable {
    private let check: @Sendable (_ now: Double) -> PipelineLiveness

    /// A probe from any check; `now` is the watchdog's monotonic clock reading, in seconds.
    public init(_ check: @escaping @Sendable (_ now: Double) -> PipelineLiveness) {
        self.check = check
    }

    public func liveness(now: Double) -> PipelineLiveness {
        check(now)
    }

    /// Alive while both loops beat within their limits.
    ///
    /// - Parameters:
    ///   - mqttLoop: beaten once per MQTT network loop iteration (the loop wakes at least every second or so
    ///     even with no traffic, so silence means it is stuck, not idle).
    ///   - mqttStallLimit: how long the MQTT loop may be silent, e.g. 10 s.
    ///   - writer: beaten once per writer loop iteration, including each retry and each backoff wait during a
    ///     CrateDB outage, and at least every few seconds while idle (wait for work with a timeout).
    ///   - writerStallLimit: the request timeout plus a margin, so only a request hung past its own timeout (or
    ///     a deadlock) counts as stuck, e.g. 30 s + 10 s.
    public static func heartbeats(
        mqttLoop: Heartbeat, mqttStallLimit: Double, writer: Heartbeat, writerStallLimit: Double
    ) -> ProgressProbe {
        silences(
            mqttLoop: { mqttLoop.silence(now: $0) }, mqttStallLimit: mqttStallLimit,
            writer: { writer.silence(now: $0) }, writerStallLimit: writerStallLimit)
    }

    /// The same rule over functions that tell how long each side has been silent at `now`: the daemon's writing
    /// side is several threads (batcher and lanes), and its silence is that of the quietest.
    public static func silences(
        mqttLoop: @escaping @Sendable (_ now: Double) -> Double, mqttStallLimit: Double,
        writer: @escaping @Sendable (_ now: Double) -> Double, writerStallLimit: Double
    ) -> ProgressProbe {
        ProgressProbe { now in
            let mqttSilence = mqttLoop(now)
            let writerSilence = writer(now)
            let mqttAlive = mqttSilence <= mqttStallLimit
            let writerAlive = writerSilence <= writerStallLimit
            var stuck: [String] = []
            if !mqttAlive {
                stuck.append("MQTT loop silent for \(Int(mqttSilence)) s (limit \(Int(mqttStallLimit)) s)")
            }
            if !writerAlive {
                stuck.append("writer loop silent for \(Int(writerSilence)) s (limit \(Int(writerStallLimit)) s)")
            }
            return PipelineLiveness(
                mqttLoopAlive: mqttAlive, writerAlive: writerAlive, detail: stuck.joined(separator: ", "))
        }
    }
}
