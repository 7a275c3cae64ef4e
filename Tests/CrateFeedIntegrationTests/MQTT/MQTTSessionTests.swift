@testable import CrateFeed
import Foundation
import IntegrationSupport
import Testing

/// Persistent sessions: messages queued while away, topic changes, a broker restart, pause/resume backpressure
/// and shared subscriptions.
@Suite struct MQTTSessionTests {
    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func messagesPublishedWhileAwayArriveOnReturn(version: MQTTProtocolVersion) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let settings = MQTTTesting.settings(broker, version: version)
        let (first, _) = try MQTTTesting.startClient(settings)
        first.stop()

        let payloads = (1...30).map { "away-\($0)" }
        try MQTTTesting.publish(broker, topic: "t/s", payloads)
        let (second, delegate) = try MQTTTesting.startClient(settings)
        defer { second.stop() }
        #expect(delegate.wait { $0.messages.count >= payloads.count })
        #expect(delegate.snapshot.messages.map(\.text) == payloads)
    }

    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func aCleanSessionKeepsNothing(version: MQTTProtocolVersion) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        var settings = MQTTTesting.settings(broker, version: version)
        settings.cleanSession = true
        let (first, _) = try MQTTTesting.startClient(settings)
        first.stop()

        try MQTTTesting.publish(broker, topic: "t/s", ["while-away"])
        let (second, delegate) = try MQTTTesting.startClient(settings)
        defer { second.stop() }
        try MQTTTesting.publish(broker, topic: "t/s", ["after"])
        #expect(delegate.wait { $0.messages.contains { $0.text == "after" } })
        #expect(delegate.snapshot.messages.map(\.text) == ["after"])
    }

    /// Telegraf #9703: a persistent session keeps old subscriptions unless the client drops them.
    @Test(arguments: [true, false])
    func aFilterDroppedFromTheConfigurationStopsDelivering(remembering: Bool) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let state = try TemporaryDirectory.make("mqtt-state")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let directory = remembering ? state : nil

        let (before, _) = try MQTTTesting.startClient(
            MQTTTesting.settings(broker, id: "changing", subscriptions: ["a/#", "b/#"]), stateDirectory: directory)
        before.stop()
        if remembering {
            let saved = try String(contentsOfFile: state + "/subscriptions", encoding: .utf8)
            #expect(saved == "a/#\nb/#\n")
        }

        let (after, delegate) = try MQTTTesting.startClient(
            MQTTTesting.settings(broker, id: "changing", subscriptions: ["a/#"]), stateDirectory: directory)
        defer { after.stop() }
        try MQTTTesting.publish(broker, topic: "b/x", ["old topic"])
        try MQTTTesting.publish(broker, topic: "a/x", ["kept topic"])
        #expect(delegate.wait { $0.messages.contains { $0.text == "kept topic" } })
        if remembering {
            #expect(delegate.snapshot.messages.map(\.text) == ["kept topic"])
            #expect(try String(contentsOfFile: state + "/subscriptions", encoding: .utf8) == "a/#\n")
        } else {
            // Without the memory the stale subscription lives on at the broker: the bug this prevents.
            #expect(delegate.snapshot.messages.map(\.text) == ["old topic", "kept topic"])
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func aBrokerRestartMidStreamLosesNothingAtQoS1(version: MQTTProtocolVersion) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let total = 2000
        let (client, delegate) = try MQTTTesting.startClient(MQTTTesting.settings(broker, version: version))
        defer { client.stop() }

        var publisherSettings = MQTTClientSettings(host: broker.host, port: broker.port, clientID: "restart-pub")
        publisherSettings.protocolVersion = version
        publisherSettings.cleanSession = true
        publisherSettings.reconnectMin = 0.1
        publisherSettings.reconnectMax = 0.5
        let publisher = try MQTTPublisher(settings: publisherSettings, window: 50)
        try publisher.connect(timeout: 10)
        let outcome = PublishOutcome()
        Thread {
            do {
                for seq in 1...total {
                    try publisher.publish(topic: "t/stream", payload: Array(String(seq).utf8), qos: 1)
                    if seq % 20 == 0 { try publisher.idle(for: 0.005) }  // a steady stream, not one burst
                }
                try publisher.flush(timeout: 60)
                publisher.disconnect()
                outcome.finish(nil)
            } catch {
                outcome.finish(error)
            }
        }.start()

        #expect(delegate.wait { $0.messages.count >= total / 4 })
        broker.stop()
        try broker.start()
        let publishError = outcome.wait(timeout: 120)
        #expect(publishError == nil, "\(String(describing: publishError))")

        #expect(delegate.wait(timeout: 60) { Set($0.messages.map(\.text)).count >= total })
        let received = Set(delegate.snapshot.messages.compactMap { Int($0.text) })
        #expect(received == Set(1...total), "missing: \(Set(1...total).subtracting(received).sorted().prefix(20))")
        let snapshot = delegate.snapshot
        #expect(snapshot.connects >= 2, "the client did not reconnect and resubscribe")
        #expect(snapshot.disconnects.contains { $0.contains("lost the connection to \(broker.url)") })
    }

    @Test func pauseDisconnectsAndTheBrokerQueuesUntilResume() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let client = try MQTTClient(settings: MQTTTesting.settings(broker), stateDirectory: nil)
        let delegate = RecordingDelegate()
        delegate.onMessage = { client, count in
            if count == 5 { client.pause() }  // backpressure from inside the callback, as the spool does
        }
        client.delegate = delegate
        try client.start()
        defer { client.stop() }
        #expect(delegate.wait { $0.connects == 1 })

        try MQTTTesting.publish(broker, topic: "t/p", (1...5).map { "before-\($0)" })
        #expect(delegate.wait { $0.disconnects.contains { $0.hasPrefix("paused:") } })
        #expect(!client.isConnected)
        #expect(delegate.snapshot.messages.count == 5)

        // The broker takes these (acknowledged) and queues them: the client is not connected to receive them.
        try MQTTTesting.publish(broker, topic: "t/p", (1...20).map { "while-paused-\($0)" })
        #expect(delegate.snapshot.messages.count == 5)
        #expect(client.lastActivity > MonotonicClock.now() - 5, "the loop must keep beating while paused")

        client.resume()
        #expect(delegate.wait { $0.messages.count == 25 && $0.connects == 2 })
        #expect(delegate.snapshot.messages.suffix(20).map(\.text) == (1...20).map { "while-paused-\($0)" })
    }

    /// A pause while the broker is still sending (a session's backlog) keeps the acknowledgements written
    /// just before it. Closing a socket that has unread data resets the connection, and the broker drops what
    /// it has not read yet: every resume then brought back the same messages and a backlog never moved.
    @Test func aPauseDuringABacklogKeepsTheAcknowledgementsBeforeIt() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let settings = MQTTTesting.settings(broker)
        let (first, _) = try MQTTTesting.startClient(settings)  // opens the persistent session
        first.stop()
        // Far more than the socket buffers hold, so the broker has data on the way when the client pauses.
        let total = 3000
        let padding = String(repeating: "x", count: 400)
        try MQTTTesting.publish(broker, topic: "t/b", (1...total).map { "\($0) \(padding)" })

        let client = try MQTTClient(settings: settings, stateDirectory: nil)
        let delegate = RecordingDelegate()
        delegate.onMessage = { client, count in
            if count == 100 { client.pause() }
        }
        client.delegate = delegate
        try client.start()
        defer { client.stop() }
        #expect(delegate.wait { $0.disconnects.contains { $0.hasPrefix("paused:") } })
        let beforePause = Set(delegate.snapshot.messages.map(\.text))  // 100, or a few more read in the same round
        client.resume()
        #expect(delegate.wait(timeout: 60) { Set($0.messages.map(\.text)).count >= total })

        let again = delegate.snapshot.messages.dropFirst(beforePause.count).filter { beforePause.contains($0.text) }.count
        #expect(again == 0, "messages acknowledged before the pause came again (\(beforePause.count) acknowledged)")
    }

    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func aMessageTheDelegateCannotKeepComesBackAfterResume(version: MQTTProtocolVersion) throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let client = try MQTTClient(settings: MQTTTesting.settings(broker, version: version), stateDirectory: nil)
        let delegate = RecordingDelegate()
        let refusals = Counter()
        delegate.accept = { client, message in
            // The first time "3" arrives the spool "fails": it is not kept and must not be acknowledged.
            guard message.text == "3", refusals.increment() == 1 else { return true }
            client.pauseWithoutAcknowledging()
            return false
        }
        client.delegate = delegate
        try client.start()
        defer { client.stop() }
        #expect(delegate.wait { $0.connects == 1 })

        try MQTTTesting.publish(broker, topic: "t/r", ["1", "2", "3", "4", "5"], version: version)
        #expect(delegate.wait { $0.disconnects.contains { $0.contains("without acknowledging") } })
        #expect(!client.isConnected)
        #expect(!delegate.snapshot.messages.contains { $0.text == "3" })

        client.resume()
        #expect(delegate.wait { Set($0.messages.map(\.text)) == ["1", "2", "3", "4", "5"] })
        #expect(refusals.value == 2, "\"3\" arrives twice: refused, then again from the session")
    }

    /// At QoS 0 nothing waits to be acknowledged, so a burst the delegate cannot keep pauses without a failed
    /// write; the connection after resume must still report its own end as a lost connection and back off.
    @Test func aConnectionAfterAPauseWithoutAcknowledgingReportsItsOwnEnd() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let client = try MQTTClient(settings: MQTTTesting.settings(broker, qos: 0), stateDirectory: nil)
        let delegate = RecordingDelegate()
        let refusals = Counter()
        delegate.onBurst = { client in
            if refusals.increment() == 1 { client.pauseWithoutAcknowledging() }  // the spool "fails" once
        }
        client.delegate = delegate
        try client.start()
        defer { client.stop() }
        #expect(delegate.wait { $0.connects == 1 })

        try MQTTTesting.publish(broker, topic: "t/r", ["1"], qos: 0)
        #expect(delegate.wait { $0.disconnects.contains { $0.hasPrefix("paused:") } })
        client.resume()
        #expect(delegate.wait { $0.connects == 2 })
        let before = delegate.snapshot.disconnects.count
        broker.stop()
        #expect(delegate.wait { $0.disconnects.count > before })
        let report = delegate.snapshot.disconnects[before]
        #expect(report.hasPrefix("lost the connection") && report.contains("reconnecting in"), "\(report)")
    }

    @Test func aSharedSubscriptionSplitsTheStream() throws {
        let broker = try BrokerProcess()
        defer { broker.remove() }
        let delegate = RecordingDelegate()  // shared: each message records which member received it
        let (first, _) = try MQTTTesting.startClient(
            MQTTTesting.settings(broker, id: "member-1", subscriptions: ["$share/g/t/#"]), delegate: delegate)
        defer { first.stop() }
        let (second, _) = try MQTTTesting.startClient(
            MQTTTesting.settings(broker, id: "member-2", subscriptions: ["$share/g/t/#"]), delegate: delegate)
        defer { second.stop() }

        let payloads = (1...200).map { "r\($0)" }
        try MQTTTesting.publish(broker, topic: "t/shared", payloads)
        #expect(delegate.wait { $0.messages.count >= payloads.count })
        let messages = delegate.snapshot.messages
        let firstTexts = messages.filter { $0.clientID == "member-1" }.map(\.text)
        let secondTexts = messages.filter { $0.clientID == "member-2" }.map(\.text)
        #expect(messages.count == payloads.count)
        #expect(Set(firstTexts).isDisjoint(with: secondTexts))
        #expect(Set(firstTexts).union(secondTexts) == Set(payloads))
        #expect(!firstTexts.isEmpty && !secondTexts.isEmpty)
    }
}

/// A counter shared with a delegate's closure.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    /// Adds one and returns the new count.
    func increment() -> Int {
        lock.withLock {
            count += 1
            return count
        }
    }
}

/// The result of a publishing thread, awaited with a deadline.
private final class PublishOutcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var error: Error?

    func finish(_ error: Error?) {
        self.error = error
        done.signal()
    }

    /// The thread's error, or a timeout error.
    func wait(timeout: Double) -> Error? {
        guard done.wait(timeout: .now() + timeout) == .success else {
            return TestSupportError("the publisher did not finish within \(Int(timeout)) s")
        }
        return error
    }
}
