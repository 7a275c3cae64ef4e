/// A blob decoded from a message: stored in the route's blob table under `digest` before the row naming it.
public struct DecodedBlob: Sendable, Equatable {
    /// Lowercase hex SHA-1 of `bytes`, the blob's key in CrateDB.
    public var digest: String
    /// The blob's content; owned, so it may outlive the emit callback.
    public var bytes: [UInt8]
    /// From a `data:<type>;base64,` URL when the field held one; nil otherwise.
    public var contentType: String?

    public init(digest: String, bytes: [UInt8], contentType: String? = nil) {
        self.digest = digest
        self.bytes = bytes
        self.contentType = contentType
    }
}
