import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

/// Sending within the providers' limits: the token buckets, the budgets the
/// dispatcher gives lease queries, and a throttled sender pausing as a whole.
@Suite("pacing")
struct PacingTests {
    typealias S = DispatchStateTests

    @Test func aBucketStartsFullRefillsAtItsRateAndHoldsAQuarterSecondAtMost() {
        var pacer = Pacer()
        let key = Pacer.key(pool: "sms/twilio", account: "salon")
        let t0 = Fixture.now
        #expect(pacer.budget(key, rate: 20, now: t0) == 5)
        pacer.spend(key, 5)
        #expect(pacer.budget(key, rate: 20, now: t0) == 0)
        #expect(pacer.nextToken(key, now: t0) == t0.addingTimeInterval(0.05))
        #expect(pacer.budget(key, rate: 20, now: t0.addingTimeInterval(0.1)) == 2)
        // Idle for a minute: a quarter second's worth, not sixty seconds'.
        #expect(pacer.budget(key, rate: 20, now: t0.addingTimeInterval(60)) == 5)
        // A slow sender still sends one at a time.
        let slow = Pacer.key(pool: "sms/twilio", account: "long-code")
        #expect(pacer.budget(slow, rate: 0.5, now: t0) == 1)
        pacer.spend(slow, 1)
        #expect(pacer.budget(slow, rate: 0.5, now: t0.addingTimeInterval(1)) == 0)
        #expect(pacer.nextToken(slow, now: t0.addingTimeInterval(1)) == t0.addingTimeInterval(2))
    }

    @Test func aThrottledSenderWaitsThenStartsEmpty() {
        var pacer = Pacer()
        let key = Pacer.key(pool: "sms/twilio", account: "")
        let t0 = Fixture.now
        _ = pacer.budget(key, rate: 10, now: t0)
        pacer.pause(key, until: t0.addingTimeInterval(8))
        #expect(pacer.budget(key, rate: 10, now: t0.addingTimeInterval(7.9)) == 0)
        #expect(pacer.nextToken(key, now: t0) == t0.addingTimeInterval(8.1))
        #expect(pacer.budget(key, rate: 10, now: t0.addingTimeInterval(8.2)) == 2)
        // A shorter pause does not cut a longer one short.
        pacer.pause(key, until: t0.addingTimeInterval(20))
        pacer.pause(key, until: t0.addingTimeInterval(10))
        #expect(pacer.budget(key, rate: 10, now: t0.addingTimeInterval(15)) == 0)
    }

    @Test func throttlingAnswersAreTheProvidersRateCodesOrARetryAfter() {
        #expect(Throttling.pause(errorCode: "20429", retryAfter: nil) == 1)
        #expect(Throttling.pause(errorCode: "130429", retryAfter: nil) == 1)
        #expect(Throttling.pause(errorCode: "21211", retryAfter: 8) == 8)
        #expect(Throttling.pause(errorCode: "500", retryAfter: nil) == nil)
        #expect(Throttling.pause(errorCode: "429", retryAfter: 86_400) == 3600)
    }

    static func register(_ instance: String, accounts: [(String, Double)]) -> Herald_V1_WorkerMessage.OneOf_Body {
        .register(.with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = "sms"
            $0.provider = "twilio"
            $0.instanceID = instance
            $0.maxInFlight = 100
            $0.accounts = accounts.map { account in .with { $0.name = account.0; $0.ratePerSecond = account.1 } }
        })
    }

    /// Two workers of one pool share their senders' budgets; an account without a rate is not paced.
    @Test func workersOfOnePoolShareASendersBudget() {
        var state = S.state()
        _ = state.receive(Self.register("a", accounts: [("salon", 20), ("default", 0)]), from: S.alice, now: Fixture.now)
        _ = state.receive(Self.register("b", accounts: [("salon", 20)]), from: S.bob, now: Fixture.now)
        var allocated: [String: Int] = [:]
        let first = state.leaseQuery(for: S.alice, now: Fixture.now, presentProviders: [:], allocated: &allocated)
        let second = state.leaseQuery(for: S.bob, now: Fixture.now, presentProviders: [:], allocated: &allocated)
        #expect(first?.accounts == ["", "salon"])
        #expect(first?.budgets == ["salon": 5])
        #expect(second?.budgets == ["salon": 0])
    }

    /// WhatsApp's gap per recipient: a recipient just sent to waits, by sender; the loop
    /// wakes when the gap is over and the recipient is free again.
    @Test func aSpacedSenderHoldsARecipientForItsGap() {
        var state = S.state()
        _ = state.receive(.register(.with {
            $0.protocolVersion = .protocolVersion1
            $0.channel = "whatsapp"
            $0.provider = "meta"
            $0.instanceID = "a"
            $0.maxInFlight = 100
            $0.accounts = [.with { $0.name = "salon"; $0.ratePerSecond = 80; $0.recipientGapMs = 6000 },
                           .with { $0.name = "clinic" }]
        }), from: S.alice, now: Fixture.now)
        let first = state.leaseQuery(for: S.alice, now: Fixture.now, presentProviders: [:])!
        #expect(first.spacing == ["salon": []], "the clinic's account is not spaced")
        var sent = S.job("job_1")
        sent.job.channel = "whatsapp"
        sent.job.account = "salon"
        sent.job.recipient = "+4915100000001"
        state.handedOut([sent], to: S.alice, query: first)
        let second = state.leaseQuery(for: S.alice, now: Fixture.now.addingTimeInterval(1), presentProviders: [:])!
        #expect(second.spacing == ["salon": ["+4915100000001"]])
        state.beginAsking()
        state.spaced(["salon"], of: S.alice)
        #expect(state.nextPaceAt(now: Fixture.now.addingTimeInterval(1)) == Fixture.now.addingTimeInterval(6))
        let later = state.leaseQuery(for: S.alice, now: Fixture.now.addingTimeInterval(6), presentProviders: [:])!
        #expect(later.spacing == ["salon": []], "free again after 6 s")
    }

    /// A 429 with Retry-After for one sender's message pauses that sender only.
    @Test func aRetryAfterPausesTheSenderOfTheMessageOnly() {
        var state = S.state()
        _ = state.receive(Self.register("a", accounts: [("salon", 5), ("clinic", 5)]), from: S.alice, now: Fixture.now)
        var salonJob = S.job("job_salon")
        salonJob.job.channel = "sms"
        salonJob.job.account = "salon"
        let query = state.leaseQuery(for: S.alice, now: Fixture.now, presentProviders: [:])!
        state.handedOut([salonJob], to: S.alice, query: query)
        let effects = state.receive(.result(.with {
            $0.deliveryID = "job_salon"
            $0.attempt = 1
            $0.outcome = .retry
            $0.errorCode = "20429"
            $0.retryAfterMs = 8000
        }), from: S.alice, now: Fixture.now)
        #expect(effects.contains(.throttled(paceKey: "sms/twilio#salon", seconds: 8)))
        let later = state.leaseQuery(for: S.alice, now: Fixture.now.addingTimeInterval(1), presentProviders: [:])!
        #expect(later.budgets == ["salon": 0, "clinic": 1])
    }
}
