/// Waits between connection attempts: `initial`, doubling up to `maximum`,
/// back to `initial` once a core welcomes the worker.
struct ReconnectBackoff {
    let initial: Duration
    let maximum: Duration
    private var upcoming: Duration

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
        self.upcoming = initial
    }

    /// The wait before the next attempt; each call doubles the one after.
    mutating func next() -> Duration {
        defer { upcoming = min(upcoming * 2, maximum) }
        return upcoming
    }

    mutating func reset() { upcoming = initial }
}
