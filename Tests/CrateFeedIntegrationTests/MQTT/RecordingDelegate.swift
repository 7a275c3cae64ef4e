import CrateFeed
import Foundation

/// An `MQTTClientDelegate` that keeps what it is told, so a test can wait for it with a deadline.
final class RecordingDelegate: MQTTClientDelegate, @unchecked Sendable {
    struct Message: Sendable {
        /// The receiving client's ID (one delegate can serve several clients).
        let clientID: String
        let topic: String
        let payload: [UInt8]
        let qos: Int32
        let retain: Bool
        let userProperties: [String]

        var text: String { String(decoding: payload, as: UTF8.self) }
    }

    struct Snapshot {
        var messages: [Message] = []
        /// How many of `messages` the client had declared finished (`mqttClientFinishedBurst`) at the last call.
        var finished = 0
        var connects = 0
        var disconnects: [String] = []
        var problems: [String] = []
    }

    private let condition = NSCondition()
    private var state = Snapshot()
    /// Called inside `didReceive` after recording, with the number of messages so far (to pause from the callback).
    var onMessage: ((MQTTClient, Int) -> Void)?
    /// Called at the end of a burst that delivered messages (where the daemon writes them to its spool).
    var onBurst: ((MQTTClient) -> Void)?
    /// Called inside `didReceive` before recording; false leaves the message unrecorded (as a spool that
    /// cannot write), after the closure has told the client.
    var accept: ((MQTTClient, Message) -> Bool)?

    var snapshot: Snapshot {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// Waits until `predicate` holds or `timeout` seconds pass; returns whether it holds.
    @discardableResult
    func wait(timeout: Double = 30, until predicate: (Snapshot) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(state) {
            guard condition.wait(until: deadline) else { return predicate(state) }
        }
        return true
    }

    func mqttClient(_ client: MQTTClient, didReceive message: MQTTMessage) {
        let recorded = Message(
            clientID: client.settings.clientID, topic: message.topicString, payload: Array(message.payload), qos: message.qos, retain: message.retain,
            userProperties: message.userProperties().map { "\($0.name)=\($0.value)" })
        if let accept, !accept(client, recorded) { return }
        let count = update { state in
            state.messages.append(recorded)
            return state.messages.count
        }
        onMessage?(client, count)
    }

    func mqttClientFinishedBurst(_ client: MQTTClient) {
        let delivered = update { state in
            defer { state.finished = state.messages.count }
            return state.messages.count > state.finished
        }
        if delivered { onBurst?(client) }
    }

    func mqttClientDidConnect(_ client: MQTTClient) {
        update { $0.connects += 1 }
    }

    func mqttClient(_ client: MQTTClient, didDisconnectWith reason: String) {
        update { $0.disconnects.append(reason) }
    }

    func mqttClient(_ client: MQTTClient, didReportProblem problem: String) {
        update { $0.problems.append(problem) }
    }

    @discardableResult
    private func update<Result>(_ change: (inout Snapshot) -> Result) -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return change(&state)
    }
}
