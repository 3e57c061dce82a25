import Foundation
import Logging
import Testing

@testable import HeraldCore

/// Telling ahead of time of messages a sender's rate will hold past their deadline.
@Suite("pacing: what will be too late")
struct PacingForecastTests {
    static let check = SendTimeCheck(lateGrace: 10)

    static func timing(_ id: String, _ kind: NotificationKind = .reminder, due: Date = Fixture.now, notAfter: Date? = nil) -> DueJobTiming {
        DueJobTiming(id: id, tenantID: "acme", bookingID: "b-\(id)", kind: kind, dueAt: due, notAfter: notAfter)
    }

    /// One message a second with an empty bucket: the k-th goes out k + 1 seconds from now.
    static func oneASecond(_ position: Int) -> Date { Fixture.now.addingTimeInterval(Double(position + 1)) }

    @Test func remindersBeyondTheGraceAtTheRateAreLateAndTakeNoTurn() {
        let jobs = (0..<14).map { Self.timing("r\($0)") } + [Self.timing("confirmation", .confirmation)]
        let late = PacingForecast.late(jobs, check: Self.check, earliest: Self.oneASecond)
        // Positions 0-8 go out within the 10 s grace; the 10th would go at +10 s, when
        // the grace is over, and so would every reminder behind it (a late one takes no turn).
        #expect(late.map(\.job.id) == ["r9", "r10", "r11", "r12", "r13"])
        #expect(late.first?.expectedAt == Fixture.now.addingTimeInterval(10))
        #expect(late.first?.deadline == Fixture.now.addingTimeInterval(10))
        // A confirmation has no deadline: it takes the 10th turn.
        #expect(!late.contains { $0.job.id == "confirmation" })
    }

    @Test func aNotAfterComesBeforeTheGrace() {
        let jobs = [
            Self.timing("a"), Self.timing("b", .confirmation, notAfter: Fixture.now.addingTimeInterval(1.5)),
            Self.timing("c", .confirmation, notAfter: Fixture.now.addingTimeInterval(2.5)),
        ]
        // a at +1 s; b would go at +2 s, after its not-after; c then takes b's turn (+2 s).
        let late = PacingForecast.late(jobs, check: Self.check, earliest: Self.oneASecond)
        #expect(late.map(\.job.id) == ["b"])
        #expect(Self.check.deadline(kind: .reminder, dueAt: Fixture.now, notAfter: Fixture.now.addingTimeInterval(5))
            == Fixture.now.addingTimeInterval(5))
        #expect(Self.check.deadline(kind: .webhook, dueAt: Fixture.now, notAfter: nil) == nil)
    }

    @Test func aSendersEarliestTurnsFollowItsTokensAndItsPause() {
        var pacer = Pacer()
        let key = Pacer.key(pool: "sms/twilio", account: "salon")
        let t0 = Fixture.now
        #expect(pacer.earliest(0, of: key, now: t0) == nil, "a sender it does not know")
        #expect(pacer.budget(key, rate: 4, now: t0) == 1)
        #expect(pacer.earliest(0, of: key, now: t0) == t0, "a whole token now")
        #expect(pacer.earliest(4, of: key, now: t0) == t0.addingTimeInterval(1))
        pacer.pause(key, until: t0.addingTimeInterval(30))
        #expect(pacer.earliest(0, of: key, now: t0) == t0.addingTimeInterval(30.25))
    }

    /// The watch reads a real store's queue and reports each late message once.
    @Test(arguments: StoreFactory.all) func theWatchCountsEachLateMessageOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var jobs: [NotificationJob] = []
            for index in 0..<30 {
                var job = Fixture.dueJob("job_\(index)", for: booking, due: Fixture.minutes(-1).addingTimeInterval(Double(index) / 1000),
                                         channel: "sms", provider: "twilio")
                job.account = "salon"
                jobs.append(job)
            }
            var other = Fixture.dueJob("job_other", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio")
            other.account = "spa"
            try await Fixture.insert(booking, jobs: jobs + [other], into: store)
            #expect(try await store.dueJobTimings(channel: "sms", account: "salon", now: Fixture.now, limit: 100).map(\.id)
                == jobs.map(\.id))
            #expect(try await store.dueJobTimings(channel: "sms", account: "salon", now: Fixture.minutes(-2), limit: 100).isEmpty)
            #expect(try await store.dueJobTimings(channel: "sms", account: "salon", now: Fixture.now, limit: 3).count == 3)

            let metrics = HeraldMetrics()
            // Due a minute ago with 89.5 s of grace, at one a second: 29 go out in time.
            let watch = PacingWatch(store: store, check: SendTimeCheck(lateGrace: 89.5), metrics: metrics, logger: Logger(label: "test"))
            var pacer = Pacer()
            let sender = PacingWatch.Sender(key: Pacer.key(pool: "sms/twilio", account: "salon"), channel: "sms", account: "salon")
            _ = pacer.budget(sender.key, rate: 1, now: Fixture.now)
            pacer.spend(sender.key, 1)
            let first = try await watch.look(at: sender, pacer: pacer, now: Fixture.now)
            #expect(first.map(\.job.id) == ["job_29"])
            let again = try await watch.look(at: sender, pacer: pacer, now: Fixture.now)
            #expect(again.isEmpty, "reported once")
            #expect(metrics.snapshot().counter("herald_paced_past_deadline_total", ["sender": "sms/twilio#salon"]) == 1)
        }
    }
}
