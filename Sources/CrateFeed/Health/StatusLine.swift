import Foundation

/// The STATUS= line `systemctl status cratefeed` shows, e.g.
/// `1,204 readings/s · p99 118 ms to CrateDB · backlog 0 · CrateDB 3/3 nodes · MQTT connected · 0 dead letters`.
enum StatusLine {
    /// - Parameter latencyP99: receipt to CrateDB's confirmation, p99 of the readings stored since the previous
    ///   status (milliseconds); nil when none were, and the part is left out.
    static func format(_ snapshot: HealthSnapshot, readingsPerSecond: Double, latencyP99: Int64? = nil) -> String {
        var parts: [String] = []
        if snapshot.draining { parts.append("draining") }
        parts.append("\(rate(readingsPerSecond)) readings/s")
        if let latencyP99 { parts.append("p99 \(duration(milliseconds: latencyP99)) to CrateDB") }
        if snapshot.backlogRecords > 0 {
            parts.append("backlog \(grouped(snapshot.backlogRecords)) (\(bytes(snapshot.spoolBytes)))")
        } else {
            parts.append("backlog 0")
        }
        parts.append("CrateDB \(snapshot.crateDBNodesUp)/\(snapshot.crateDBNodesTotal) nodes")
        switch snapshot.mqtt {
        case .connecting: parts.append("MQTT connecting")
        case .connected: parts.append("MQTT connected")
        case .reconnecting: parts.append("MQTT reconnecting")
        case .paused: parts.append("backpressure: MQTT paused, spool \(bytes(snapshot.spoolBytes)) full")
        case .spoolUnwritable: parts.append("MQTT paused: the spool cannot be written (see the journal)")
        }
        parts.append(snapshot.deadLetters == 1 ? "1 dead letter" : "\(grouped(snapshot.deadLetters)) dead letters")
        return parts.joined(separator: " · ")
    }

    /// "118 ms" below 10 s, then "12.3 s": a backlog's latency reads as seconds.
    static func duration(milliseconds: Int64) -> String {
        milliseconds < 10_000 ? "\(milliseconds) ms" : String(format: "%.1f s", Double(milliseconds) / 1000)
    }

    /// Whole readings with separators; one decimal below 10, where whole numbers would hide a trickle.
    static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite, perSecond > 0 else { return "0" }
        if perSecond < 9.95 { return String(format: "%.1f", perSecond) }
        return grouped(Int(perSecond.rounded()))
    }

    /// 1234567 -> "1,234,567": fixed, not the locale's, so the line reads the same on every machine.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        result.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// Binary units with one decimal: "512 B", "1.5 KiB", "1.0 GiB".
    static func bytes(_ count: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard count >= 1024 else { return "\(max(count, 0)) B" }
        var value = Double(count) / 1024
        var unit = 0
        while value >= 1023.95 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f", value) + " " + units[unit]
    }
}
