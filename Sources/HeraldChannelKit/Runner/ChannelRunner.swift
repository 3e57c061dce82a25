import Synchronization
import HeraldBus
import Logging
import ServiceLifecycle

/// Runs a ``ChannelPlugin`` against the core: the whole channel protocol, so
/// that a plugin only sends.
///
/// - Connects a DEALER (a fresh one per attempt) and sends `Register`; on
///   `Welcome` starts heartbeating at the interval the core chose; on `Reject`
///   stops with ``ChannelRejectedError`` (no retry loop against a core that refuses).
/// - Runs each `Delivery` through ``ChannelPlugin/send(_:)`` concurrently, never
///   more than `maxInFlight` at once, and answers each with one `Result`. A
///   delivery beyond the credit gets RETRY "over credit"; one past `not_after_ms`
///   gets FAILED "expired before sending" without reaching the plugin.
/// - A core silent for 3 heartbeat intervals, or one that does not answer
///   `Register` within `registerTimeout`, is dead: the runner drops the socket
///   and reconnects after 1 s, doubling to 32 s, reset by the next `Welcome`.
///   Sends in flight keep running; their results go out on the next connection.
/// - `Shutdown` from the core means the core is going away, not this channel:
///   the runner drops the connection at once and reconnects as above, so it
///   registers again as soon as a core is back on the endpoint.
/// - Graceful shutdown (SIGTERM through a `ServiceGroup`) takes no new
///   deliveries, waits up to `drainTimeout` for the sends in flight, reports
///   them, says `Goodbye` and returns. Cancellation stops at once: unreported
///   sends are left to the core's lease.
public final class ChannelRunner: Service, Sendable {
    public let plugin: any ChannelPlugin
    public let configuration: Configuration
    /// What the runner is doing; buffers the newest 256 events for one consumer.
    public let events: AsyncStream<Event>
    private let observers: AsyncStream<Event>.Continuation
    private let context: ZMQContext
    private let logger: Logger
    private let reports = ReportDesk()
    /// The running loop's inbox; nil before ``run()`` and after it returns.
    private let loopInbox = Mutex<AsyncStream<RunnerEvent>.Continuation?>(nil)

    public init(plugin: any ChannelPlugin, configuration: Configuration, context: ZMQContext, logger: Logger) {
        var logger = logger
        logger[metadataKey: "channel"] = "\(plugin.channel)"
        logger[metadataKey: "provider"] = "\(plugin.provider)"
        logger[metadataKey: "instance"] = "\(configuration.instanceID)"
        logger[metadataKey: "core"] = "\(configuration.endpoint)"
        self.plugin = plugin
        self.configuration = configuration
        self.context = context
        self.logger = logger
        (events, observers) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(256))
    }

    /// Runs until graceful shutdown or cancellation (the core's `Shutdown` only
    /// makes it reconnect).
    ///
    /// - Throws: ``ChannelRejectedError`` when the core refuses the worker;
    ///   ``ZMQError`` when the endpoint cannot be used at all.
    public func run() async throws {
        let (inbox, continuation) = AsyncStream.makeStream(of: RunnerEvent.self)
        let loop = RunnerLoop(
            plugin: plugin, configuration: configuration, context: context, logger: logger,
            inbox: continuation, observers: observers, reports: reports)
        loopInbox.withLock { $0 = continuation }
        defer {
            loopInbox.withLock { $0 = nil }
            continuation.finish()
        }

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try loop.connect(in: &group)
                // The stream ends early only when this task is cancelled.
                for await event in inbox {
                    try await loop.handle(event, in: &group)
                    if loop.isFinished { break }
                }
                await loop.finish()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdownRequested(reason: "graceful shutdown"))
        }
    }

    // MARK: Reports

    /// Forwards a provider callback's receipts and customers' messages to the core as
    /// one `Report` and waits for its acknowledgement, at most `timeout`: the callback
    /// listener answers the provider 2xx only for ``ReportOutcome/stored``, so a report
    /// the core never got is sent again by the provider.
    public func report(
        _ receipts: [Herald_V1_Receipt], inbound: [Herald_V1_InboundMessage] = [], timeout: Duration = .seconds(5)
    ) async -> ReportOutcome {
        let report = Herald_V1_Report.with {
            $0.receipts = receipts
            $0.inbound = inbound
        }
        return await reports.submit(timeout: timeout) { id in
            guard let inbox = loopInbox.withLock({ $0 }) else { return false }
            if case .enqueued = inbox.yield(.reportRequested(id: id, report: report)) { return true }
            return false
        }
    }

    /// Tells the core the plugin's accounts changed (``AccountsPlugin/reload()``), so
    /// deliveries of a new account come to this worker and those of a removed one no longer do.
    public func accountsChanged() {
        _ = loopInbox.withLock { $0 }?.yield(.accountsChanged)
    }

    /// Counts a provider callback the listener refused (a missing or wrong signature);
    /// the count goes to the core with each heartbeat.
    public func countRefusedCallback() { reports.countRefusedCallback() }
}
