// The CrateFeed engine: configuration, routes, decoders, spool, batcher, writer and health.
