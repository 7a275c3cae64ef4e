/// Groups the transport's unit tests, so that `swift test --filter Transport` runs them all.
enum TransportTests {}
