import Foundation

/// When a delivery that a provider could not take right now is tried again.
///
/// Exponential backoff with jitter (so a provider outage does not end in a
/// thundering herd when it recovers), never sooner than the provider's
/// `Retry-After`, and never past the job's `notAfter` or its maximum age:
/// a reminder retried after the appointment helps no one.
public struct RetryPolicy: Sendable, Equatable {
    /// Wait before the second attempt; doubles for each attempt after.
    public var initialDelay: TimeInterval
    public var maximumDelay: TimeInterval
    /// Give up this long after the job fell due.
    public var maximumAge: TimeInterval
    /// A RETRY from this attempt on switches an SMS to its fallback provider
    /// (when the tenant allows failover): the preferred one "keeps failing".
    public var failoverAfterAttempt: Int
    /// Fraction of the delay that is randomised (0.2: ±20 %).
    public var jitter: Double
    /// A fixed schedule instead of doubling: the wait after attempt n is
    /// `schedule[n - 1]`, and there is no attempt after the last entry.
    public var schedule: [TimeInterval]?

    /// The schedule Standard Webhooks recommends: after the first attempt, again
    /// in 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; eight attempts over about
    /// 27.5 hours, with ±10 % jitter.
    public static let standardWebhooks = RetryPolicy(
        maximumDelay: 10 * 3600, maximumAge: 48 * 3600, jitter: 0.1,
        schedule: [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600])

    public init(
        initialDelay: TimeInterval = 5, maximumDelay: TimeInterval = 3600, maximumAge: TimeInterval = 24 * 3600,
        failoverAfterAttempt: Int = 2, jitter: Double = 0.2, schedule: [TimeInterval]? = nil
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumAge = maximumAge
        self.failoverAfterAttempt = failoverAfterAttempt
        self.jitter = jitter
        self.schedule = schedule
    }

    public enum Decision: Sendable, Equatable {
        case retry(at: Date)
        case giveUp(reason: String)
    }

    /// - Parameters:
    ///   - attempt: the attempt that just failed (1 for the first).
    ///   - retryAfter: the provider's minimum wait, if it gave one.
    ///   - random: a number in 0...1 (injected so tests are deterministic).
    public func decide(
        attempt: Int, dueAt: Date, notAfter: Date?, retryAfter: TimeInterval?, now: Date,
        random: Double = Double.random(in: 0...1)
    ) -> Decision {
        let backoff: TimeInterval
        if let schedule {
            guard attempt >= 1, attempt <= schedule.count else {
                return .giveUp(reason: "gave up after \(attempt) attempts, the last of its retry schedule")
            }
            backoff = schedule[attempt - 1]
        } else {
            let exponent = Double(max(0, min(attempt - 1, 30)))
            backoff = min(maximumDelay, initialDelay * pow(2, exponent))
        }
        let jittered = backoff * (1 - jitter + 2 * jitter * random)
        let delay = max(jittered, retryAfter ?? 0)
        let retryAt = now.addingTimeInterval(delay)
        if let notAfter, retryAt >= notAfter {
            return .giveUp(reason: "the next attempt (in \(Int(delay.rounded())) s) would be past its deadline \(Timestamp.format(notAfter))")
        }
        if retryAt.timeIntervalSince(dueAt) > maximumAge {
            return .giveUp(reason: "gave up after \(attempt) attempts: older than \(Int(maximumAge / 3600)) h")
        }
        return .retry(at: retryAt)
    }
}
