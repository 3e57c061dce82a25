extension ChannelRunner {
    /// What a runner is doing, for whoever watches ``ChannelRunner/events``
    /// (tests, a status line). The runner never waits for a watcher.
    public enum Event: Sendable, Equatable {
        /// A new DEALER was connected and `Register` sent; `attempt` counts from 1 since start.
        case connecting(attempt: Int)
        /// The core accepted the registration; deliveries may now arrive.
        case welcomed(heartbeatInterval: Duration)
        /// The connection was given up; a reconnect follows unless shutting down.
        case connectionLost(reason: String)
        /// The next connection attempt starts after this wait.
        case reconnectScheduled(after: Duration)
        /// The core refused the registration; ``ChannelRunner/run()`` throws.
        case rejected(reason: String)
        /// Shutdown began: no new deliveries, waiting for `inFlight` sends.
        case draining(inFlight: Int)
        /// `Goodbye` was sent (when connected) and the socket closed.
        case stopped
    }
}
