import Foundation
import Testing
@testable import CrateFeed

/// A notifier that cannot reach systemd never throws into the daemon and says so once.
@Suite struct SystemdNotifierFailureTests {
    @Test func anUnreachableSocketIsReportedOnceThenIgnored() {
        let capture = LogCapture()
        let missing = NSTemporaryDirectory() + "/cratefeed-no-such-dir-\(UUID().uuidString)/notify"
        let notifier = SystemdNotifier(socketAddress: missing, watchdogInterval: nil, logger: capture.logger())
        #expect(notifier.isEnabled)
        notifier.ready()
        notifier.status("x")
        notifier.watchdog()
        let lines = capture.lines()
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("<4>sendto on the systemd notify socket \(missing) failed: No such file or directory") == true)
    }

    @Test func anAddressThatIsNotAUnixSocketDisablesNotifications() {
        let capture = LogCapture()
        let notifier = SystemdNotifier(socketAddress: "vsock:2:1234", watchdogInterval: 30, logger: capture.logger())
        #expect(!notifier.isEnabled)
        notifier.ready()
        #expect(capture.lines() == [
            "<4>NOTIFY_SOCKET=vsock:2:1234 is not an AF_UNIX path or abstract socket address; cratefeed sends no notifications to systemd notify_socket=vsock:2:1234"
        ])
        #expect(notifier.watchdogInterval == 30)
    }

    @Test func aPathTooLongForSunPathIsRejected() {
        let capture = LogCapture()
        let notifier = SystemdNotifier(
            socketAddress: "/" + String(repeating: "x", count: 200), watchdogInterval: nil, logger: capture.logger())
        #expect(!notifier.isEnabled)
        #expect(capture.lines().count == 1)
    }
}
