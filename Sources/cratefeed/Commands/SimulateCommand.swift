import ArgumentParser
import CrateFeed
import Dispatch
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Publishes readings from a simulated fleet of sensor devices to an MQTT broker.",
        discussion: """
            Devices dev0001... take turns publishing to <prefix>/<device>/env, e.g. \
            {"ts":1712345678901,"seq":7,"temperature":21.53,"humidity":40.2,"battery":3.71,"status":"ok"} \
            (or the same as InfluxDB line protocol or SenML), with values drifting slowly per device; seq counts \
            each device's messages from 1. With --attachments about one message in a hundred is a camera frame, \
            {"ts":...,"seq":...,"image":"<base64>"} on <prefix>/<device>/camera. A summary line goes to stderr; \
            with --count the command returns only once every QoS 1/2 message is acknowledged. Ctrl-C stops \
            publishing and waits for the acknowledgements; a second Ctrl-C stops waiting.
            """
    )

    @Option(help: "The broker: mqtt://host[:port] or mqtts://host[:port].")
    var url = "mqtt://127.0.0.1:1883"

    @Option(help: "Number of devices.")
    var devices = 100

    @Option(help: "Messages per second across the whole fleet; 0 publishes as fast as the broker takes them.")
    var rate: Double = 100

    @Option(help: "Payload of the readings: json, influx or senml.")
    var format = "json"

    @Flag(help: "Also publish occasional camera frames (base64 in JSON) on <prefix>/<device>/camera.")
    var attachments = false

    @Option(help: "Stop after this many messages.")
    var count: Int?

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "QoS of the messages: 0, 1 or 2.")
    var qos = 1

    @Option(help: "First topic level.")
    var topicPrefix = "sensors"

    @Option(help: "Seed of the simulated values, for a reproducible fleet.")
    var seed: UInt64 = 1

    @Option(help: "MQTT protocol version: 5 or 3.1.1.")
    var mqttVersion = "5"

    @Option(help: "MQTT client ID (default: cratefeed-simulate-<pid>).")
    var clientID: String?

    @Option(help: "User name for the broker.")
    var username: String?

    @Option(help: "File holding the broker password (never pass a password on the command line).")
    var passwordFile: String?

    @Option(help: "CA bundle to verify the broker's certificate with (mqtts://; default: the system store).")
    var caFile: String?

    @Option(help: "Client certificate file for TLS client authentication.")
    var certFile: String?

    @Option(help: "Client key file for TLS client authentication.")
    var keyFile: String?

    @Flag(help: "Do not verify the broker's TLS certificate (unsafe).")
    var insecure = false

    @Option(help: "Messages in flight at most: QoS 0 ones not yet written, QoS 1/2 ones not yet acknowledged.")
    var window = 1000

    @Option(help: "Seconds to keep trying to reach the broker at the start.")
    var connectTimeout: Double = 10

    @Option(help: "Seconds to wait for the last acknowledgements.")
    var flushTimeout: Double = 60

    func validate() throws {
        guard devices >= 1 else { throw ValidationError("--devices must be at least 1") }
        guard rate >= 0, rate.isFinite else { throw ValidationError("--rate must be 0 (as fast as possible) or more") }
        guard FleetPayloadFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be json, influx or senml, not \"\(format)\"")
        }
        if let count { guard count >= 1 else { throw ValidationError("--count must be at least 1") } }
        if let duration { guard duration > 0 else { throw ValidationError("--duration must be more than 0 seconds") } }
        guard (0...2).contains(qos) else { throw ValidationError("--qos must be 0, 1 or 2") }
        guard MQTTProtocolVersion(rawValue: mqttVersion) != nil else {
            throw ValidationError("--mqtt-version must be 5 or 3.1.1, not \"\(mqttVersion)\"")
        }
        guard (1...65535).contains(window) else { throw ValidationError("--window must be between 1 and 65535") }
    }

    func run() async throws {
        try await reportingFailures {
            let generator = try FleetGenerator(
                devices: devices, format: FleetPayloadFormat(rawValue: format) ?? .json, attachments: attachments,
                topicPrefix: topicPrefix, seed: seed)
            let publisher = try MQTTPublisher(settings: try settings(), window: window)
            publisher.onEvent = { line in Self.note(line) }
            let simulation = FleetSimulation(generator: generator, publisher: publisher)
            simulation.rate = rate
            simulation.count = count
            simulation.duration = duration
            simulation.qos = Int32(qos)
            simulation.flushTimeout = flushTimeout

            // The first Ctrl-C (or SIGTERM) ends publishing and waits for acknowledgements; the second gives up.
            let interrupts = InterruptWatch { presses in
                if presses == 1 { simulation.stop() } else { publisher.cancel() }
            }
            defer { interrupts.cancel() }

            let summary = try await onOwnThread {
                try publisher.connect(timeout: connectTimeout)
                defer { publisher.disconnect() }
                return try simulation.run()
            }
            Self.note(summary.description)
            if summary.refused > 0 { throw ExitCode(1) }
        }
    }

    private func settings() throws -> MQTTClientSettings {
        var settings = try MQTTClientSettings(url: url, clientID: clientID ?? "cratefeed-simulate-\(getpid())")
        settings.protocolVersion = MQTTProtocolVersion(rawValue: mqttVersion) ?? .v5
        // QoS 0 and 1 need no session at the broker: unacknowledged QoS 1 messages are simply sent again after
        // a reconnect. A QoS 2 message the broker has received but not yet released would be dropped with a
        // clean session, so QoS 2 keeps one (for 5 minutes with MQTT 5).
        settings.cleanSession = qos < 2
        settings.sessionExpiry = 300
        settings.username = username
        if let passwordFile {
            guard let password = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw CommandFailure("cannot read the password file \(passwordFile)")
            }
            settings.password = password.trimmingCharacters(in: .newlines)
        }
        settings.caFile = caFile
        settings.certFile = certFile
        settings.keyFile = keyFile
        settings.insecure = insecure
        try settings.validate()
        return settings
    }

    private static func note(_ line: String) {
        FileHandle.standardError.write(Data("cratefeed simulate: \(line)\n".utf8))
    }
}

/// Runs blocking work on a thread of its own, keeping it off the cooperative pool the async command runs on.
private func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                continuation.resume(returning: try body())
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.name = "simulate"
        thread.start()
    }
}

/// Counts SIGINT and SIGTERM and calls `handler` with the count so far, on a dispatch queue.
private final class InterruptWatch: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private var presses = 0

    init(_ handler: @escaping @Sendable (Int) -> Void) {
        let queue = DispatchQueue(label: "simulate-signals")
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)  // handled by the dispatch source instead of ending the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                presses += 1
                handler(presses)
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
