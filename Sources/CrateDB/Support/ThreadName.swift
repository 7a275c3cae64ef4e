import Foundation

/// Names the calling thread, so that `top -H`, `ps -L` and perf show what each of a process's threads is.
/// Linux keeps 15 bytes of a name and refuses a longer one outright (the thread keeps its creator's name), so
/// the name is cut to fit.
public enum ThreadName {
    public static func set(_ name: String) {
        var fitting = ""
        for character in name {
            guard fitting.utf8.count + character.utf8.count <= 15 else { break }
            fitting.append(character)
        }
        Thread.current.name = fitting
    }
}
