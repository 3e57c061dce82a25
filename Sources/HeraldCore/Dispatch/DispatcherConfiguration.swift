import Foundation

/// The dispatcher's timing and policies; `heraldd` sets them from its options.
public struct DispatcherConfiguration: Sendable {
    /// Both sides send a heartbeat this often; a worker silent for three is dead.
    public var heartbeatInterval: TimeInterval
    /// How long a worker holds a delivery before it goes back to the queue.
    public var leaseDuration: TimeInterval
    /// How late a reminder may still be sent (the downtime policy).
    public var lateGrace: TimeInterval
    public var retry: RetryPolicy
    /// Retries of webhook deliveries: the Standard Webhooks schedule.
    public var webhookRetry: RetryPolicy
    /// Most jobs leased in one transaction.
    public var batchSize: Int
    /// On shutdown, how long the channel endpoint stays open after `Shutdown` for
    /// the workers' `Goodbye`. Closing at once could cut the connection before a
    /// worker read `Shutdown` (libzmq drops unread messages of a connection that
    /// breaks when `ZMQ_IMMEDIATE` is set), and it would then wait out three
    /// heartbeat intervals.
    public var shutdownGrace: Duration
    /// The longest a worker's result waits to be committed with the loop's next turn
    /// instead of making a turn of its own (``ResultHold``).
    public var resultHold: Duration

    public init(
        heartbeatInterval: TimeInterval = 5, leaseDuration: TimeInterval = 60, lateGrace: TimeInterval = 15 * 60,
        retry: RetryPolicy = RetryPolicy(), webhookRetry: RetryPolicy = .standardWebhooks, batchSize: Int = 500,
        shutdownGrace: Duration = .seconds(2), resultHold: Duration = .milliseconds(2)
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.leaseDuration = leaseDuration
        self.lateGrace = lateGrace
        self.retry = retry
        self.webhookRetry = webhookRetry
        self.batchSize = batchSize
        self.shutdownGrace = shutdownGrace
        self.resultHold = resultHold
    }
}
