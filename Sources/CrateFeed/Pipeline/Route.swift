import Foundation

/// One `[[route]]` as the pipeline runs it: where matching messages go and how their payloads become rows.
final class Route {
    enum Format: String, Sendable {
        case json, influx, senml, value, blob
    }

    let index: Int
    let filter: TopicFilter
    let format: Format
    let layout: TableLayout
    /// Index of the layout's INSERT statement among the pipeline's statements.
    let slot: Int
    /// Blob table for `format = "blob"` and for `blob_fields`.
    let blobTable: String?
    let contentType: String
    /// Decodes payloads; nil for blob routes, whose whole payload is the blob. A class property so the
    /// decoder's scratch buffers are reused in place, message after message.
    var decoder: (any PayloadDecoder)?

    init(
        index: Int, filter: TopicFilter, format: Format, layout: TableLayout, slot: Int, blobTable: String?,
        contentType: String, decoder: (any PayloadDecoder)?
    ) {
        self.index = index
        self.filter = filter
        self.format = format
        self.layout = layout
        self.slot = slot
        self.blobTable = blobTable
        self.contentType = contentType
        self.decoder = decoder
    }

    /// How logs and dead letters name the route: `route[2] sensors/+device/+sensor`.
    var name: String { "route[\(index + 1)] \(filter.text)" }
}
