/// Capped exponential backoff between connection attempts: `minimum`, then doubling up to `maximum`, with up
/// to 20% jitter so a fleet of instances does not reconnect in lockstep after a broker restart.
struct MQTTBackoff {
    let minimum: Double
    let maximum: Double
    private var failures = 0
    private var random = SystemRandomNumberGenerator()

    init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = max(maximum, minimum)
    }

    /// A connection was made and accepted: the next failure starts again from `minimum`.
    mutating func reset() {
        failures = 0
    }

    /// An attempt failed or a connection was lost: the seconds to wait before the next attempt.
    mutating func nextDelay() -> Double {
        let exponent = min(failures, 30)
        failures += 1
        let base = min(maximum, minimum * Double(1 << exponent))
        return min(maximum, base * Double.random(in: 0.8...1.0, using: &random))
    }
}
