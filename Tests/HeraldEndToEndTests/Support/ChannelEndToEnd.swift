import Testing

/// The provider channels' end-to-end suites, run one test at a time. Each test
/// starts a core, a channel program and a Python peer; run all at once next
/// to the other suites, they load a 2-core machine enough to upset the
/// timing-sensitive tests elsewhere (the bus's shutdown and deadline tests).
@Suite("Provider channels end to end", .serialized)
enum ChannelEndToEnd {}
