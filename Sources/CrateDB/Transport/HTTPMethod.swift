/// The HTTP methods CrateDB's HTTP endpoint (`/_sql`, `/_blobs`) answers.
public enum HTTPMethod: String, Sendable {
    case GET, HEAD, POST, PUT, DELETE
}
