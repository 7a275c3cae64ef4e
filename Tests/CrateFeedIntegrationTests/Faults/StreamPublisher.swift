import Foundation
import IntegrationSupport

/// A QoS 1 stream of numbered readings published in the background at a steady pace, so that faults can be
/// injected while it flows. Each reading is `{"seq": N, "ts": ..., "pad": "..."}` on one topic.
final class StreamPublisher: @unchecked Sendable {
    private let process: ChildProcess
    private let finished = DispatchSemaphore(value: 0)

    /// Starts publishing `range` to `topic`, spreading the readings over about `seconds`.
    init(broker: BrokerProcess, topic: String, range: Range<Int>, seconds: Double, padding: Int = 0) throws {
        process = try ChildProcess(
            "/usr/bin/mosquitto_pub", ["-h", "127.0.0.1", "-p", String(broker.port), "-t", topic, "-q", "1", "-l"],
            pipeStdin: true)
        let pad = String(repeating: "x", count: padding)
        let pause = UInt32(max(0, seconds / Double(max(1, range.count))) * 1_000_000)
        let writer = process.stdin!
        let done = finished
        Thread {
            for seq in range {
                writer.write(Data(#"{"seq": \#(seq), "ts": \#(1_767_225_600_000 + seq), "pad": "\#(pad)"}"#.utf8 + [0x0A]))
                if pause > 0 { usleep(pause) }
            }
            try? writer.close()
            done.signal()
        }.start()
    }

    /// Waits until every line was handed to mosquitto_pub and it has exited (all PUBACKs received).
    func wait() {
        finished.wait()
        process.waitForExit(timeout: 300)
    }
}

/// Resident memory of a process in MiB, from /proc.
func residentMegabytes(of pid: pid_t) -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
}

/// Bytes of all files under a directory.
func directorySize(_ path: String) -> Int64 {
    let files = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
    return files.reduce(0) { total, file in
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + file)[.size] as? Int64) ?? 0
        return total + (size ?? 0)
    }
}
