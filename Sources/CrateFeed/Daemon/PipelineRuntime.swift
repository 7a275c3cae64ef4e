import CrateDB
import Logging

/// The running half of the pipeline behind the spool: the batcher thread and its writer lanes, built from
/// one configuration. A reload replaces it whole; the spool and its unconfirmed records stay.
final class PipelineRuntime: @unchecked Sendable {
    let batcher: Batcher
    let lanes: [Lane]
    let tracker = ReleaseTracker()
    private let giveUp = Locked(false)

    init(plan: PipelinePlan, configuration: Configuration, spool: Spool, connection: Connection, stats: PipelineStats, logger: Logger) {
        let tables = TableManager(connection: connection, defaultSchema: configuration.cratedb.schema, logger: logger)
        let laneCount = configuration.batchesInFlight
        var lanes: [Lane] = []
        let giveUp = self.giveUp
        let writer = BatchWriter(
            connection: connection, tables: tables, statements: plan.statements, deadLetterSlot: plan.deadLetterSlot,
            routeNames: plan.routes.map(\.name), tracker: tracker, spool: spool, stats: stats, logger: logger,
            retryInterval: configuration.cratedb.retryInterval, mustGiveUp: { giveUp.withLock { $0 } })
        for index in 0..<max(1, laneCount) {
            var lane: Lane!
            lane = Lane(index: index) { [unowned writer] batch in writer.write(batch, lane: lane) }
            lanes.append(lane)
        }
        self.lanes = lanes
        batcher = Batcher(
            spool: spool, routes: plan.routes, statements: plan.statements, deadLetterSlot: plan.deadLetterSlot,
            lanes: lanes, tracker: tracker, stats: stats,
            settings: Batcher.Settings(
                maxRows: configuration.batch.maxRows, maxBytes: Int(configuration.batch.maxBytes),
                maxDelay: configuration.batch.maxDelay, maxMessageSize: Int(configuration.mqtt.maxMessageSize)),
            logger: logger)
        self.writer = writer
    }

    private let writer: BatchWriter

    func start() {
        for lane in lanes { lane.start() }
        batcher.start()
    }

    /// Hands every open batch to the lanes and waits until they are written, or the deadline passes; batches
    /// not written by then stay in the spool and are sent after the next start. Returns true when all were written.
    @discardableResult
    func drain(deadline: Double) -> Bool {
        batcher.stop(deadline: deadline)
        let drained = lanes.allSatisfy { $0.waitUntilIdle(deadline: deadline) }
        giveUp.withLock { $0 = true }
        for lane in lanes { lane.stop() }
        return drained
    }

    /// The oldest time any part of the writing side last showed it was alive.
    var oldestHeartbeat: Double {
        lanes.map(\.heartbeat).reduce(batcher.heartbeat, min)
    }
}
