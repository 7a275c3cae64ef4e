import Foundation
import Synchronization

/// Publishes a `FleetGenerator`'s messages through an `MQTTPublisher`: at `rate` messages per second across
/// the fleet (0: as fast as the broker takes them), until `count` messages or `duration` seconds or `stop()`,
/// then waits until every message is written and every QoS 1/2 message acknowledged.
public final class FleetSimulation: @unchecked Sendable {
    public struct Summary: Sendable, CustomStringConvertible {
        public var published: Int
        public var acknowledged: Int
        public var refused: Int
        public var lost: Int
        public var qos: Int32
        /// From the first publish until the last message was written and acknowledged.
        public var seconds: Double

        public var rate: Double { seconds > 0 ? Double(published) / seconds : 0 }

        public var description: String {
            var line = "published \(published) messages in \(String(format: "%.2f", seconds)) s "
                + "(\(Int(rate.rounded())) msg/s) at QoS \(qos)"
            if qos > 0 { line += ", \(acknowledged) acknowledged" }
            if refused > 0 { line += ", \(refused) refused by the broker" }
            if lost > 0 { line += ", \(lost) lost with a dropped connection" }
            return line
        }
    }

    public let generator: FleetGenerator
    public let publisher: MQTTPublisher
    /// Messages per second across the fleet; 0 publishes as fast as possible.
    public var rate: Double = 0
    public var count: Int?
    public var duration: Double?
    public var qos: Int32 = 0
    /// How long to wait for the last acknowledgements before giving up.
    public var flushTimeout: Double = 60

    private let stopRequested = Atomic<Bool>(false)

    public init(generator: FleetGenerator, publisher: MQTTPublisher) {
        self.generator = generator
        self.publisher = publisher
    }

    /// Ends the run after the current message (then it flushes and returns). Any thread.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Publishes until done; the publisher must be connected. Throws if the broker cannot be reached again
    /// or the last messages are not acknowledged within `flushTimeout`.
    public func run() throws -> Summary {
        guard rate >= 0, rate.isFinite else { throw SimulationError("--rate must be 0 or more, not \(rate)") }
        guard (0...2).contains(qos) else { throw SimulationError("--qos must be 0, 1 or 2, not \(qos)") }
        let limit = count ?? Int.max
        let start = MonotonicClock.now()
        let end = duration.map { start + $0 } ?? .infinity
        var sent = 0
        while sent < limit && !stopRequested.load(ordering: .relaxed) {
            let now = MonotonicClock.now()
            if now >= end { break }
            if rate > 0 {
                // Ahead of schedule by more than a millisecond: wait (reading acknowledgements meanwhile);
                // smaller leads go out as a burst, since waits that short are not precise anyway.
                let lead = start + Double(sent) / rate - now
                if lead > 0.001 {
                    try publisher.idle(for: min(lead, end - now, 0.1))
                    continue
                }
            }
            let timestamp = WallClock.microseconds() / 1000
            try generator.next(at: timestamp) { topic, payload in
                try publisher.publish(topic: topic, payload: payload, qos: qos)
            }
            sent += 1
        }
        try publisher.flush(timeout: flushTimeout)
        return Summary(
            published: publisher.published, acknowledged: publisher.acknowledged, refused: publisher.refused,
            lost: publisher.lost, qos: qos, seconds: MonotonicClock.now() - start)
    }
}
