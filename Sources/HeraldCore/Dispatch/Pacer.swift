import Foundation

/// Sending within the providers' limits: a token bucket per sender (a worker pool's
/// provider account), filled at the rate the account registered. The dispatcher asks
/// the store for no more of an account's jobs than it has whole tokens (the rest wait
/// in the queue, in due order), spends one per job handed out, and pauses an account
/// the provider throttled (429 with Retry-After, Vonage's "Throttled") as a whole.
///
/// A bucket holds at most a quarter of a second of messages (at least one), so a
/// sender that was idle, or a core that was busy, sends a short burst at most, never
/// a backlog at once: over any window of W seconds a sender gets at most
/// rate × W + rate / 4 messages.
struct Pacer {
    struct Bucket: Equatable {
        var rate: Double
        var tokens: Double
        var updatedAt: Date
        var pausedUntil: Date?

        var capacity: Double { max(1, rate / 4) }

        mutating func refill(at now: Date) {
            guard now > updatedAt else { return }
            tokens = min(capacity, tokens + now.timeIntervalSince(updatedAt) * rate)
            updatedAt = now
        }
    }

    private(set) var buckets: [String: Bucket] = [:]

    /// The bucket of `account` ("" the default) in `pool` (channel/provider).
    static func key(pool: String, account: String) -> String { pool + "#" + account }

    /// Whole tokens `key` has at `now` at `rate` messages a second (a new bucket starts
    /// full); 0 while paused. The rate is the account's as last registered.
    mutating func budget(_ key: String, rate: Double, now: Date) -> Int {
        var bucket = buckets[key] ?? Bucket(rate: rate, tokens: max(1, rate / 4), updatedAt: now)
        bucket.rate = rate
        bucket.refill(at: now)
        buckets[key] = bucket
        if let paused = bucket.pausedUntil, paused > now { return 0 }
        return Int(bucket.tokens.rounded(.down))
    }

    /// `count` jobs of `key` were handed out.
    mutating func spend(_ key: String, _ count: Int) {
        buckets[key]?.tokens -= Double(count)
    }

    /// The provider throttled `key`: it sends nothing before `until`, and then starts
    /// from an empty bucket.
    mutating func pause(_ key: String, until: Date) {
        guard var bucket = buckets[key] else { return }
        if let paused = bucket.pausedUntil, paused >= until { return }
        bucket.pausedUntil = until
        bucket.tokens = 0
        bucket.updatedAt = until
        buckets[key] = bucket
    }

    /// When the sender's message at `position` in its queue (0: the next) can go out at
    /// the earliest, if only its queue spends its tokens: after its pause, then one token
    /// at a time at its rate. nil for a sender it does not know.
    func earliest(_ position: Int, of key: String, now: Date) -> Date? {
        guard var bucket = buckets[key], bucket.rate > 0 else { return nil }
        let start = max(now, bucket.pausedUntil ?? now, bucket.updatedAt)
        bucket.refill(at: start)
        let missing = Double(position + 1) - bucket.tokens
        return missing <= 0 ? start : start.addingTimeInterval(missing / bucket.rate)
    }

    /// When `key` next has a whole token (after its pause, if paused); nil if unknown.
    func nextToken(_ key: String, now: Date) -> Date? {
        guard let bucket = buckets[key] else { return nil }
        let from = max(now, bucket.pausedUntil ?? now, bucket.updatedAt)
        let missing = 1 - bucket.tokens
        guard missing > 0, bucket.rate > 0 else { return from }
        return from.addingTimeInterval(missing / bucket.rate)
    }
}

/// Which retry answers mean the provider throttled the sender, and for how long
/// the sender then waits as a whole.
enum Throttling {
    /// Providers' codes for "too many messages": HTTP 429, Twilio 20429 (its REST
    /// concurrency) and 14107 (a sender's rate), Vonage status 1 ("Throttled"),
    /// WhatsApp 130429 (throughput) and 131056 (pair rate).
    static let codes: Set<String> = ["429", "http_429", "20429", "14107", "1", "130429", "131056"]

    /// The pause for a retry answer: its Retry-After, else a second for a throttling
    /// code; nil when the answer is not about the rate.
    static func pause(errorCode: String, retryAfter: TimeInterval?) -> TimeInterval? {
        if let retryAfter, retryAfter > 0 { return min(retryAfter, 3600) }
        return codes.contains(errorCode) ? 1 : nil
    }
}
