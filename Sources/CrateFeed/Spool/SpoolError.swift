#if canImport(Glibc)
import Glibc
#endif

/// Every error the spool throws. Each describes itself in one line naming the file or directory.
public enum SpoolError: Error, Sendable, CustomStringConvertible {
    /// Another process (or another Spool in this one) holds the directory's lock.
    case locked(directory: String, holder: String?)
    /// A system call on a spool file failed.
    case system(operation: String, path: String, errno: Int32)
    /// A message larger than a record can hold.
    case recordTooLarge(topic: String, topicBytes: Int, payloadBytes: Int)
    /// A QoS other than 0, 1 or 2.
    case invalidQoS(topic: String, qos: UInt8)
    /// A segment written by a newer cratefeed.
    case unsupportedVersion(path: String, version: UInt16)
    case invalidConfiguration(String)
    /// The spool was closed.
    case closed(directory: String)

    public var description: String {
        switch self {
        case .locked(let directory, let holder):
            let who = holder.map { "process \($0)" } ?? "another process"
            return "spool directory \(directory) is in use by \(who) (it holds \(directory)/lock); stop it or give this instance its own [spool] dir"
        case .system(let operation, let path, let code):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        case .recordTooLarge(let topic, let topicBytes, let payloadBytes):
            return "message on topic '\(topic)' is too large to spool (\(topicBytes)-byte topic, \(payloadBytes)-byte payload; limits \(SpoolRecordFormat.maxTopicLength) and \(SpoolRecordFormat.maxPayloadLength) bytes)"
        case .invalidQoS(let topic, let qos):
            return "message on topic '\(topic)' has QoS \(qos); only 0, 1 and 2 can be spooled"
        case .unsupportedVersion(let path, let version):
            return "spool segment \(path) has format version \(version), newer than this cratefeed reads (\(SpoolRecordFormat.version)); run the newer cratefeed to drain it, or move the file away"
        case .invalidConfiguration(let message):
            return message
        case .closed(let directory):
            return "the spool in \(directory) is closed"
        }
    }
}
