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

    public init(
        initialDelay: TimeInterval = 5, maximumDelay: TimeInterval = 3600, maximumAge: TimeInterval = 24 * 3600,
        failoverAfterAttempt: Int = 2, jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumAge = maximumAge
        self.failoverAfterAttempt = failoverAfterAttempt
        self.jitter = jitter
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
        let exponent = Double(max(0, min(attempt - 1, 30)))
        let backoff = min(maximumDelay, initialDelay * pow(2, exponent))
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
