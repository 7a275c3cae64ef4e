import CrateDB
import Foundation
import Logging

/// `cratefeed run`: MQTT in, spool, batches out to CrateDB, health to systemd.
///
/// Threads: libmosquitto's network thread appends each message to the spool inside its callback (and does
/// nothing else that can block); the batcher thread reads the spool and builds bulk requests; one thread per
/// lane writes them; the health thread reports to systemd; the main thread waits for signals and runs a
/// small housekeeping tick (backpressure release, node up/down events, fsync).
public final class Daemon: @unchecked Sendable {
    private var configuration: Configuration
    private let configurationPath: String
    /// `--log-level`: wins over `[log] level`, also after a reload.
    private let logLevelOverride: Logger.Level?
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let stats = PipelineStats()
    private let spool: Spool
    private var connection: Connection
    private var runtime: PipelineRuntime {
        didSet { runtimeForHealth.withLock { $0 = runtime } }
    }
    /// The same runtime, for the health thread's watchdog probe.
    private let runtimeForHealth: Locked<PipelineRuntime>
    private var mqtt: MQTTClient?
    private var health: HealthReporter?
    private let intake: MessageIntake
    private var nodeStates: [String: Bool] = [:]
    private var readySent = false

    public init(configuration: Configuration, configurationPath: String, logLevel: Logger.Level? = nil, logger: Logger) throws {
        self.configuration = configuration
        self.configurationPath = configurationPath
        logLevelOverride = logLevel
        self.logger = logger
        notifier = SystemdNotifier(logger: logger)
        spool = try Spool(configuration: Self.spoolConfiguration(configuration))
        connection = try Connection(configuration.connectionConfiguration())
        let plan = try PipelinePlan(configuration: configuration)
        runtime = PipelineRuntime(
            plan: plan, configuration: configuration, spool: spool, connection: connection, stats: stats, logger: logger)
        runtimeForHealth = Locked(runtime)
        intake = MessageIntake(spool: spool, stats: stats, logger: logger)
        intake.runtime = runtime
    }

    static func spoolConfiguration(_ configuration: Configuration) -> SpoolConfiguration {
        var spool = SpoolConfiguration(directory: configuration.spool.directory)
        spool.maxSize = configuration.spool.maxSize
        spool.segmentSize = Int(configuration.spool.segmentSize)
        switch configuration.spool.fsync {
        case .always: spool.fsync = .always
        case .interval: spool.fsync = .interval(configuration.spool.fsyncInterval)
        case .never: spool.fsync = .never
        }
        return spool
    }

    /// Runs until SIGTERM or SIGINT; SIGHUP reloads the configuration. Returns the process exit status.
    public func run() -> Int32 {
        let signals = SignalWaiter([SIGTERM, SIGINT, SIGHUP])
        let backlog = spool.backlog
        logger.notice(
            "cratefeed started: \(configuration.routes.count) routes, spool \(configuration.spool.directory) with \(backlog.records) messages to replay",
            metadata: CrateFeedEvent.started.metadata(["spool": "\(configuration.spool.directory)"]))
        runtime.start()
        do {
            try startMQTT()
        } catch {
            logger.critical("cannot start the MQTT client: \(error)")
            runtime.drain(deadline: MonotonicClock.now() + configuration.batch.shutdownTimeout)
            try? spool.close()
            return 1
        }
        startHealth()

        while true {
            switch signals.wait(timeout: 0.1) {
            case SIGHUP?:
                reload()
            case let signal?:
                return stop(after: signal)
            case nil:
                tick()
            }
        }
    }

    // MARK: MQTT

    private func startMQTT() throws {
        let plan = try PipelinePlan(configuration: configuration)
        let client = try MQTTClient(
            settings: configuration.mqtt.clientSettings(subscriptions: plan.subscriptions),
            stateDirectory: configuration.spool.directory)
        client.delegate = intake
        intake.onConnect = { [weak self] in self?.mqttConnected() }
        intake.attach(client)
        mqtt = client
        try client.start()
    }

    private func mqttConnected() {
        guard !readySent else { return }
        readySent = true
        notifier.ready()
        logger.notice("ready: subscribed to \(configuration.routes.count) routes", metadata: CrateFeedEvent.ready.metadata())
    }

    // MARK: Housekeeping

    private func tick() {
        intake.resumeIfDue(spoolFull: spool.isFull)
        do { try spool.syncIfDue() } catch {
            logger.error("cannot fsync the spool: \(error)", metadata: ["event": "spool_error", "ratelimit_key": "spool_fsync"])
        }
        for server in connection.servers {
            let previous = nodeStates[server.url]
            nodeStates[server.url] = server.isActive
            guard let previous, previous != server.isActive else { continue }
            if server.isActive {
                logger.notice("CrateDB node \(server.url) is back", metadata: CrateFeedEvent.nodeUp.metadata(["node": "\(server.url)"]))
            } else {
                logger.warning(
                    "CrateDB node \(server.url) is down: \(server.lastFailure ?? "unknown")",
                    metadata: CrateFeedEvent.nodeDown.metadata(["node": "\(server.url)"]))
            }
        }
    }

    private func startHealth() {
        let runtimeBox = runtimeForHealth
        let requestTimeout = configuration.cratedb.timeout
        let reporter = HealthReporter(
            notifier: notifier, statusInterval: configuration.systemd.statusInterval,
            snapshot: { [weak self] in self?.snapshot() ?? HealthSnapshot.empty },
            // The MQTT loop beats while paused or reconnecting too: only a loop stuck in a call falls silent.
            // A request may take its whole timeout; past that and a margin, the writing side is stuck.
            probe: .silences(
                mqttLoop: { [weak self] now in now - (self?.mqtt?.lastActivity ?? now) }, mqttStallLimit: 30,
                writer: { now in now - runtimeBox.withLock { $0.oldestHeartbeat } }, writerStallLimit: requestTimeout + 15),
            logger: logger)
        health = reporter
        reporter.start()
    }

    private func snapshot() -> HealthSnapshot {
        let counters = stats.snapshot
        let backlog = spool.backlog
        let servers = connection.servers
        let mqttState: HealthSnapshot.MQTTState
        if let cause = intake.pauseCause {
            mqttState = cause == .spoolFull ? .paused : .spoolUnwritable
        } else if mqtt?.isConnected == true {
            mqttState = .connected
        } else {
            mqttState = .reconnecting
        }
        var snapshot = HealthSnapshot(
            readingsReceived: UInt64(max(0, counters.messagesSpooled)), backlogRecords: backlog.records,
            spoolBytes: spool.sizeOnDisk, crateDBNodesUp: servers.filter(\.isActive).count,
            crateDBNodesTotal: servers.count, mqtt: mqttState, deadLetters: Int(counters.deadLetters), draining: false)
        snapshot.latency = counters.latency
        return snapshot
    }

    // MARK: Reload and stop

    private func reload() {
        let next: Configuration
        do {
            next = try Configuration.load(path: configurationPath)
        } catch {
            logger.error(
                "reload rejected, keeping the running configuration: \(error)",
                metadata: CrateFeedEvent.reloadRejected.metadata(["file": "\(configurationPath)"]))
            return
        }
        guard next.spool.directory == configuration.spool.directory else {
            logger.error(
                "reload rejected: spool.dir changed from \(configuration.spool.directory) to \(next.spool.directory); that needs a restart",
                metadata: CrateFeedEvent.reloadRejected.metadata(["file": "\(configurationPath)"]))
            return
        }
        let plan: PipelinePlan
        let newConnection: Connection
        do {
            plan = try PipelinePlan(configuration: next)
            newConnection = next.cratedb == configuration.cratedb ? connection : try Connection(next.connectionConfiguration())
        } catch {
            logger.error("reload rejected: \(error)", metadata: CrateFeedEvent.reloadRejected.metadata(["file": "\(configurationPath)"]))
            return
        }
        notifier.reloading()
        logger.notice("reloading \(configurationPath)", metadata: CrateFeedEvent.reload.metadata(["file": "\(configurationPath)"]))
        mqtt?.stop()
        runtime.drain(deadline: MonotonicClock.now() + next.batch.shutdownTimeout)
        if newConnection !== connection { connection.close() }
        configuration = next
        connection = newConnection
        CrateFeedLogging.setLevel(logLevelOverride ?? next.log.level)
        runtime = PipelineRuntime(
            plan: plan, configuration: next, spool: spool, connection: connection, stats: stats, logger: logger)
        intake.runtime = runtime
        runtime.start()
        readySent = false
        do {
            try startMQTT()
        } catch {
            logger.critical("cannot restart the MQTT client after reload: \(error)")
        }
        notifier.ready()
    }

    private func stop(after signal: Int32) -> Int32 {
        notifier.stopping()
        // Leaving MQTT (at most 10 s) and the drain: systemd's stop timeout must not cut them short.
        notifier.extendTimeout(seconds: 10 + configuration.batch.shutdownTimeout + 5)
        logger.notice(
            "stopping on signal \(signal): flushing what is in flight (at most \(Int(configuration.batch.shutdownTimeout)) s)",
            metadata: CrateFeedEvent.stopping.metadata())
        mqtt?.stop()
        let drained = runtime.drain(deadline: MonotonicClock.now() + configuration.batch.shutdownTimeout)
        health?.stop()
        do { try spool.close() } catch { logger.error("cannot close the spool: \(error)") }
        connection.close()
        let backlog = spool.backlog
        let counters = stats.snapshot
        let received = "\(counters.messagesSpooled) messages received\(Self.latencyText(counters.latency))"
        logger.notice(
            drained
                ? "stopped: everything received was written (\(received))"
                : "stopped: \(backlog.records) messages stay in the spool and are sent after the next start (\(received))",
            metadata: CrateFeedEvent.stopped.metadata())
        return 0
    }

    /// `; receipt to CrateDB p50 12 ms, p99 140 ms`, or nothing before the first stored reading.
    static func latencyText(_ latency: LatencyHistogram) -> String {
        guard let p50 = latency.percentile(0.5), let p99 = latency.percentile(0.99) else { return "" }
        return "; receipt to CrateDB p50 \(p50) ms, p99 \(p99) ms"
    }
}
