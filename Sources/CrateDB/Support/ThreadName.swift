import Foundation

/// Names the calling thread, so that `top -H`, `ps -L` and perf show what each of a process's threads is
/// (Linux keeps 15 bytes). Set from inside the thread: on Linux, Foundation applies `Thread.name` to the OS
/// thread only for a thread already running.
public enum ThreadName {
    public static func set(_ name: String) {
        Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    }
}
