import CMosquitto
import CSystemd
import Testing

/// The C library modules that later parts of cratefeed build on resolve and link.
@Suite struct CLibraryLinkTests {
    @Test func libmosquittoIsVersion2() {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        mosquitto_lib_version(&major, &minor, &revision)
        #expect(major == 2)
    }

    @Test func libsystemdAnswersWithoutANotifySocket() {
        // Without NOTIFY_SOCKET sd_notify does nothing and returns 0.
        unsetenv("NOTIFY_SOCKET")
        #expect(sd_notify(0, "STATUS=test") == 0)
    }
}

import Foundation
