import Synchronization

/// Lets a flood be logged without flooding the log.
///
/// Per reason, at most ``limit`` lines in each ``window``; the lines held back
/// are counted and reported on the next line let through, so an operator sees
/// that a peer misbehaves, who it was at first, and how much, while a peer
/// sending garbage as fast as it can costs a few lines a minute. Metrics count
/// every occurrence; this only thins the log.
///
/// Reasons are keys of a table: callers pass a bounded set of them (a fixed
/// string per kind of refusal), never anything a peer chose.
public final class LogThrottle: Sendable {
    public let limit: Int
    public let window: Duration
    private let windows = Mutex<[String: Window]>([:])

    private struct Window {
        var start: ContinuousClock.Instant
        var logged = 0
        var suppressed = 0
    }

    public init(limit: Int = 10, per window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Whether to log this occurrence of `reason`: nil to stay quiet, otherwise the
    /// number of occurrences held back since the last line logged for it.
    public func admit(_ reason: String, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLock { windows in
            var current = windows[reason] ?? Window(start: now)
            if now - current.start >= window {
                current = Window(start: now, suppressed: current.suppressed)
            }
            defer { windows[reason] = current }
            guard current.logged < limit else {
                current.suppressed += 1
                return nil
            }
            current.logged += 1
            let suppressed = current.suppressed
            current.suppressed = 0
            return suppressed
        }
    }
}
