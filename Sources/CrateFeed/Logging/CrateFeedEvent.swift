import Logging

/// The key events an operator filters on: each has a name (CRATEFEED_EVENT=node_down) and a fixed journal
/// MESSAGE_ID (`journalctl MESSAGE_ID=...`), so a recipe keeps working whatever the message text says.
///
///     logger.notice("CrateDB node down: \(reason)", metadata: CrateFeedEvent.nodeDown.metadata(["node": "\(url)"]))
///
/// (Not called `LogEvent`: swift-log 1.16 has a `Logging.LogEvent`, and a second one would be ambiguous in
/// every file that imports both modules.)
public enum CrateFeedEvent: String, CaseIterable, Sendable {
    case started = "started"
    case ready = "ready"
    case nodeDown = "node_down"
    case nodeUp = "node_up"
    case backpressureOn = "backpressure_on"
    case backpressureOff = "backpressure_off"
    case deadLetter = "dead_letter"
    case reload = "reload"
    case reloadRejected = "reload_rejected"
    case stopping = "stopping"
    case stopped = "stopped"
    case spoolCorruption = "spool_corruption"
    case spoolUnwritable = "spool_unwritable"
    case spoolWritable = "spool_writable"
    case mqttConnected = "mqtt_connected"
    case mqttDisconnected = "mqtt_disconnected"
    case watchdogStalled = "watchdog_stalled"
    case watchdogResumed = "watchdog_resumed"

    /// The metadata key that carries the event name; the journal handler turns it into CRATEFEED_EVENT and
    /// adds the matching MESSAGE_ID.
    public static let metadataKey = "event"

    /// 128-bit journal message ids, generated once with `systemd-id128 new`. Never change one: saved
    /// journalctl filters and alerting rules match on them.
    public var messageID: String {
        switch self {
        case .started: return "bebff7e330024cf5ba7cbec7c4c258af"
        case .ready: return "68a78658750743c9806c1e2be4503107"
        case .nodeDown: return "f0eaf5b610094e44a4247e11ac892ca0"
        case .nodeUp: return "6d244389b45e4e5e850f5c9377a1f04a"
        case .backpressureOn: return "30fe9b42966d49dca7de888e662303a8"
        case .backpressureOff: return "7f71329d6cc94e00ad858a9e5574e9ac"
        case .deadLetter: return "95c0ffc4f9bc4f9bb1b521385268345d"
        case .reload: return "931e228df6834b4992fef4ca4f6a40f1"
        case .reloadRejected: return "9d6a6b36bf7d44f9bdfb5e39b25d9c01"
        case .stopping: return "c0daf14c49054e249ecc33068a4f8041"
        case .stopped: return "feeead92ccd64556972d085e133e24df"
        case .spoolCorruption: return "50a319cc62c74b998515cb0bc652e22a"
        case .spoolUnwritable: return "8ffc768b942646e78563d37db84a49ef"
        case .spoolWritable: return "c518c6b627de48938f780b4635291360"
        case .mqttConnected: return "2973c12940d04d3e989400112227dbb5"
        case .mqttDisconnected: return "6a71fea5d3d64bcb8de8b8fa38100a5f"
        case .watchdogStalled: return "7363c7043f7d4a41ac0c3187b093cc86"
        case .watchdogResumed: return "95afa88fd71040a3ab0f80d6b5e16733"
        }
    }

    /// `extra` plus this event's name under `event`.
    public func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        metadata[Self.metadataKey] = .string(rawValue)
        return metadata
    }
}
