import Foundation
import Testing

/// cratefeed's logging under a real systemd-journald, started by the test in private namespaces so nothing
/// reaches (or needs) a journal on the host. Root only: unshare -m and the tmpfs mounts need it.
///
/// The recipe, checked by hand on Debian 12 with systemd 252 and no systemd as PID 1 (run as root):
///
///     unshare --mount --propagation private --pid --fork --mount-proc --kill-child sh -c '
///       [ -d /run/systemd/journal ] || mount -t tmpfs tmpfs /run  # no journald here: a private /run, so no
///       mkdir -p /run/systemd/journal /run/log/journal             # mount points are left on the host
///       mount -t tmpfs tmpfs /run/systemd/journal                # journald's sockets, private and empty
///       mount -t tmpfs tmpfs /run/log/journal                    # its journal files, gone with the namespace
///       /lib/systemd/systemd-journald &                          # creates /run/systemd/journal/socket
///       until [ -S /run/systemd/journal/socket ]; do sleep 0.05; done
///       systemd-cat -t cratefeed-stream cratefeed log-probe ...  # stderr connected to journald's stream socket
///       journalctl -D /run/log/journal SYSLOG_IDENTIFIER=cratefeed -o json'
///
/// --pid --kill-child makes the shell PID 1 of a new PID namespace, so journald and everything else in it is
/// killed when the shell ends, however it ends. systemd-cat connects stdout/stderr to journald's stream socket
/// but, unlike a service manager, does not set JOURNAL_STREAM; the script sets it to the socket's
/// <device>:<inode> exactly as systemd would, which is what cratefeed's `.auto` mode looks for.
@Suite(.enabled(if: JournaldHost.canRun, JournaldHost.skipReason))
struct JournaldTests {
    /// The cratefeed executable: $CRATEFEED_BIN, else the one built next to this test bundle.
    static var cratefeed: String {
        if let path = ProcessInfo.processInfo.environment["CRATEFEED_BIN"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("cratefeed").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("cratefeed").path
    }

    /// Runs the namespace script; `probes` are shell commands run inside it with $CRATEFEED set, and the
    /// journal entries whose SYSLOG_IDENTIFIER is cratefeed come back, parsed from `journalctl -o json`.
    private func journalEntries(expecting count: Int, probes: [String]) throws -> [[String: String]] {
        let script = """
            set -eu
            # Without a journald on the host there is nothing under /run to keep: a tmpfs over it saves
            # creating mount points on the host.
            [ -d /run/systemd/journal ] && [ -d /run/log/journal ] || mount -t tmpfs tmpfs /run
            mkdir -p /run/systemd/journal /run/log/journal
            mount -t tmpfs tmpfs /run/systemd/journal
            mount -t tmpfs tmpfs /run/log/journal
            \(JournaldHost.journald) &
            tries=0
            until [ -S /run/systemd/journal/socket ]; do
              tries=$((tries + 1)); [ $tries -lt 200 ] || { echo "journald did not start" >&2; exit 1; }
              sleep 0.05
            done
            \(probes.joined(separator: "\n"))
            # journald writes asynchronously: wait (bounded) until every expected entry can be read back.
            tries=0
            while [ "$(journalctl -D /run/log/journal SYSLOG_IDENTIFIER=cratefeed -o json --no-pager | wc -l)" -lt \(count) ]; do
              tries=$((tries + 1)); [ $tries -lt 200 ] || { echo "journald did not store the entries" >&2; break; }
              sleep 0.05
            done
            journalctl -D /run/log/journal SYSLOG_IDENTIFIER=cratefeed -o json --no-pager
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [
            "-k", "5", "60", "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc",
            "--kill-child", "sh", "-c", script,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["CRATEFEED"] = Self.cratefeed
        environment["NOTIFY_SOCKET"] = nil
        environment["JOURNAL_STREAM"] = nil
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "namespace script failed: \(stderr)")
        return try String(decoding: stdout, as: UTF8.self).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            // journalctl writes non-UTF-8 or binary values as arrays; everything here is text.
            return object.compactMapValues { $0 as? String }
        }
    }

    @Test func nativeEntriesCarryTheFieldsAndMessageIDs() throws {
        let probe = """
            systemd-cat -t cratefeed-stream sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$CRATEFEED" \
              log-probe --level warning --event node_down --message "CrateDB node down: connection refused" \
              --field node=http://10.0.0.7:4200 --field error_code=7 --field mqtt_password=hunter2 --field "route.table=doc.readings"'
            systemd-cat -t cratefeed-stream sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$CRATEFEED" \
              log-probe --level notice --event ready --message "ready" --field topic=plant/+/temp'
            """
        let entries = try journalEntries(expecting: 2, probes: [probe])
        #expect(entries.count == 2)

        let nodeDown = try #require(entries.first { $0["CRATEFEED_EVENT"] == "node_down" })
        #expect(nodeDown["_TRANSPORT"] == "journal")  // native, not a line from the stream
        #expect(nodeDown["MESSAGE"] == "CrateDB node down: connection refused")
        #expect(nodeDown["PRIORITY"] == "4")
        #expect(nodeDown["SYSLOG_IDENTIFIER"] == "cratefeed")
        #expect(nodeDown["MESSAGE_ID"] == "f0eaf5b610094e44a4247e11ac892ca0")
        #expect(nodeDown["CRATEFEED_NODE"] == "http://10.0.0.7:4200")
        #expect(nodeDown["CRATEFEED_ERROR_CODE"] == "7")
        #expect(nodeDown["CRATEFEED_ROUTE_TABLE"] == "doc.readings")
        #expect(nodeDown["CODE_FILE"]?.hasSuffix("LogProbeCommand.swift") == true)
        #expect(nodeDown["CODE_FUNC"] == "run()")
        #expect(Int(nodeDown["CODE_LINE"] ?? "") != nil)
        // Fields cratefeed sent (journald's own start with "_": _CMDLINE shows the probe's arguments).
        #expect(!nodeDown.contains { !$0.key.hasPrefix("_") && $0.value.contains("hunter2") })
        #expect(!nodeDown.keys.contains { $0.contains("PASSWORD") })

        let ready = try #require(entries.first { $0["CRATEFEED_EVENT"] == "ready" })
        #expect(ready["PRIORITY"] == "5")
        #expect(ready["MESSAGE_ID"] == "68a78658750743c9806c1e2be4503107")
        #expect(ready["CRATEFEED_TOPIC"] == "plant/+/temp")
    }

    @Test func stderrLinesGetTheirPriorityFromThePrefix() throws {
        // Without JOURNAL_STREAM, .auto writes lines; journald's stream reader takes <N> as the priority.
        let probe = """
            systemd-cat -t cratefeed "$CRATEFEED" log-probe --level error --message "spool segment 7 unreadable" \
              --event spool_corruption --field segment=7
            """
        let entries = try journalEntries(expecting: 1, probes: [probe])
        let entry = try #require(entries.first)
        #expect(entry["_TRANSPORT"] == "stdout")
        #expect(entry["PRIORITY"] == "3")
        #expect(entry["MESSAGE"] == "spool segment 7 unreadable event=spool_corruption segment=7")
    }
}

/// Whether this machine can run the journald tests (a separate type: a suite's traits cannot refer to the suite).
enum JournaldHost {
    static let journald = "/lib/systemd/systemd-journald"
    static let canRun =
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: journald)
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-cat")
    static let skipReason: Comment =
        "needs root, /lib/systemd/systemd-journald, unshare and systemd-cat to run journald in a private mount namespace"
}
