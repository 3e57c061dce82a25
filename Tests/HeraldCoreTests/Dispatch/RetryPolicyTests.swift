import Foundation
import Testing

@testable import HeraldCore

@Suite("retry policy")
struct RetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetryPolicy(initialDelay: 5, maximumDelay: 3600, maximumAge: 24 * 3600, jitter: 0.2)

    @Test func backsOffExponentiallyWithBoundedJitter() {
        for attempt in 1...6 {
            let base = 5 * pow(2, Double(attempt - 1))
            for random in [0.0, 0.5, 1.0] {
                guard case .retry(let at) = policy.decide(attempt: attempt, dueAt: now, notAfter: nil, retryAfter: nil, now: now, random: random)
                else {
                    Issue.record("attempt \(attempt) gave up")
                    continue
                }
                let delay = at.timeIntervalSince(now)
                #expect(delay >= base * 0.8 - 0.001 && delay <= base * 1.2 + 0.001, "attempt \(attempt): \(delay)")
            }
        }
    }

    @Test func honoursRetryAfterAndCapsTheDelay() {
        guard case .retry(let at) = policy.decide(attempt: 1, dueAt: now, notAfter: nil, retryAfter: 120, now: now, random: 0.5) else {
            Issue.record("gave up")
            return
        }
        #expect(at.timeIntervalSince(now) == 120)
        guard case .retry(let late) = policy.decide(attempt: 30, dueAt: now, notAfter: nil, retryAfter: nil, now: now, random: 0.5) else {
            Issue.record("gave up")
            return
        }
        #expect(late.timeIntervalSince(now) == 3600)
    }

    @Test func givesUpPastNotAfterOrMaximumAge() {
        let notAfter = now.addingTimeInterval(3)
        #expect(policy.decide(attempt: 1, dueAt: now, notAfter: notAfter, retryAfter: nil, now: now, random: 0.5) != .retry(at: now))
        if case .retry = policy.decide(attempt: 1, dueAt: now, notAfter: notAfter, retryAfter: nil, now: now, random: 0.5) {
            Issue.record("retried past notAfter")
        }
        let old = now.addingTimeInterval(-24 * 3600)
        if case .retry = policy.decide(attempt: 3, dueAt: old, notAfter: nil, retryAfter: nil, now: now, random: 0.5) {
            Issue.record("retried a day-old job")
        }
    }

    @Test func webhooksFollowTheStandardWebhooksScheduleThenGiveUp() {
        let policy = RetryPolicy.standardWebhooks
        let expected: [TimeInterval] = [5, 300, 1800, 7200, 18000, 36000, 36000]
        var now = self.now
        for (index, delay) in expected.enumerated() {
            guard case .retry(let at) = policy.decide(
                attempt: index + 1, dueAt: self.now, notAfter: nil, retryAfter: nil, now: now, random: 0.5)
            else {
                Issue.record("attempt \(index + 1) gave up")
                return
            }
            #expect(abs(at.timeIntervalSince(now) - delay) < 0.001, "after attempt \(index + 1)")
            now = at
        }
        // Eight attempts in all, about 27.5 hours after the first.
        #expect(now.timeIntervalSince(self.now) > 27 * 3600)
        guard case .giveUp(let reason) = policy.decide(
            attempt: 8, dueAt: self.now, notAfter: nil, retryAfter: nil, now: now, random: 0.5)
        else {
            Issue.record("an eighth failure was retried")
            return
        }
        #expect(reason.contains("8 attempts"))
    }

    @Test func webhookRetriesHonourALongerRetryAfter() {
        guard case .retry(let at) = RetryPolicy.standardWebhooks.decide(
            attempt: 1, dueAt: now, notAfter: nil, retryAfter: 90, now: now, random: 0.5)
        else {
            Issue.record("gave up")
            return
        }
        #expect(at.timeIntervalSince(now) == 90)
    }
}
