import Foundation
import HeraldCore
import Testing

@Suite("store contract: leases, timing and queue visibility")
struct LeaseAndQueueContractTests {
    /// One booking with two email jobs due in the past, leased at ``Fixture/now`` for a minute.
    private func twoLeasedJobs(_ store: any ContractStore) async throws -> Booking {
        try await Fixture.createTenant(store)
        let booking = Fixture.booking()
        try await Fixture.insert(booking, jobs: [
            Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-2)),
            Fixture.dueJob("job_2", for: booking, due: Fixture.minutes(-1)),
        ], into: store)
        let batch = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }
        #expect(batch.leased.count == 2)
        return booking
    }

    private func jobsByID(_ store: any ContractStore, _ booking: Booking) async throws -> [String: NotificationJob] {
        Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
    }

    @Test(arguments: StoreFactory.all) func expireLeasesReturnsOnlyExpiredLeasesToPendingKeepingTheirDueTime(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await twoLeasedJobs(store)
            #expect(try await store.expireLeases(now: Fixture.minutes(0.5)) == 0)
            #expect(try await store.nextLeaseExpiry() == Fixture.minutes(1))

            let dueTimes = try await jobsByID(store, booking).mapValues(\.dueAt)
            let later = Fixture.minutes(1)
            #expect(try await store.expireLeases(now: later) == 2)
            for job in try await jobsByID(store, booking).values {
                #expect(job.status == .pending)
                // Still due when it was: lateness counts from there.
                #expect(job.dueAt == dueTimes[job.id])
                #expect(job.leasedTo == nil && job.leaseExpiresAt == nil)
                #expect(job.attempt == 1)
            }
            #expect(try await store.nextLeaseExpiry() == nil)
            #expect(try await store.expireLeases(now: later) == 0)
        }
    }

    @Test(arguments: StoreFactory.all) func releaseLeasesReturnsTheNamedLeasedJobs(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await twoLeasedJobs(store)
            let now = Fixture.minutes(0.25)
            let due = try await jobsByID(store, booking)["job_1"]?.dueAt
            #expect(try await store.releaseLeases(jobIDs: ["job_1", "job_unknown"], now: now) == 1)
            var jobs = try await jobsByID(store, booking)
            #expect(jobs["job_1"]?.status == .pending)
            #expect(jobs["job_1"]?.dueAt == due)
            #expect(jobs["job_2"]?.status == .leased)
            // Already pending: not counted again.
            #expect(try await store.releaseLeases(jobIDs: ["job_1"], now: now) == 0)
            #expect(try await store.releaseLeases(jobIDs: [], now: now) == 0)

            #expect(try await store.releaseAllLeases(now: now) == 1)
            jobs = try await jobsByID(store, booking)
            #expect(jobs.values.allSatisfy { $0.status == .pending && $0.leasedTo == nil })
        }
    }

    @Test(arguments: StoreFactory.all) func releaseAllLeasesLeavesFinishedJobsAlone(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await twoLeasedJobs(store)
            _ = try await store.applyResults([JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: nil), at: Fixture.now)])
            #expect(try await store.releaseAllLeases(now: Fixture.now) == 1)
            let jobs = try await jobsByID(store, booking)
            #expect(jobs["job_1"]?.status == .sent)
            #expect(jobs["job_2"]?.status == .pending)
        }
    }

    @Test(arguments: StoreFactory.all) func nextDueTimeLooksOnlyAtPendingJobsOfTheGivenChannels(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.nextDueTime(channels: ["email"], after: nil) == nil)
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(5), channel: "sms"),
                Fixture.dueJob("job_email", for: booking, due: Fixture.minutes(10)),
                Fixture.dueJob("job_email_early", for: booking, due: Fixture.minutes(-10)),
                Fixture.dueJob("job_hook", for: booking, due: Fixture.minutes(20), channel: "webhook"),
            ], into: store)
            // The earliest email job is leased, so no longer pending.
            let batch = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }
            #expect(batch.leased.map(\.job.id) == ["job_email_early"])

            #expect(try await store.nextDueTime(channels: ["email"], after: nil) == Fixture.minutes(10))
            #expect(try await store.nextDueTime(channels: ["email", "sms"], after: nil) == Fixture.minutes(5))
            #expect(try await store.nextDueTime(channels: ["webhook"], after: nil) == Fixture.minutes(20))
            #expect(try await store.nextDueTime(channels: ["whatsapp"], after: nil) == nil)
            #expect(try await store.nextDueTime(channels: [], after: nil) == nil)
            #expect(try await store.nextLeaseExpiry() == Fixture.minutes(1))
        }
    }

    @Test(arguments: StoreFactory.all) func queueStatsCountsPerChannel(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.queueStats(now: Fixture.now).isEmpty)
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sent = Fixture.dueJob("job_sent", for: booking, due: Fixture.minutes(-9))
            sent.status = .sent
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_e1", for: booking, due: Fixture.minutes(-3)),
                Fixture.dueJob("job_e2", for: booking, due: Fixture.minutes(-2)),
                Fixture.dueJob("job_e3", for: booking, due: Fixture.minutes(-1)),
                Fixture.dueJob("job_e4", for: booking, due: Fixture.minutes(30)),
                Fixture.dueJob("job_s1", for: booking, due: Fixture.now, channel: "sms"),
                Fixture.dueJob("job_w1", for: booking, due: Fixture.minutes(-1), channel: "webhook"),
                sent,
            ], into: store)
            _ = try await store.leaseDueJobs(leaseQuery(limit: 1)) { _ in .lease }
            _ = try await store.leaseDueJobs(leaseQuery(channel: "webhook")) { _ in .lease }

            #expect(try await store.queueStats(now: Fixture.now) == [
                ChannelQueueStats(channel: "email", dueNow: 2, scheduled: 1, leased: 1),
                ChannelQueueStats(channel: "sms", dueNow: 1, scheduled: 0, leased: 0),
                ChannelQueueStats(channel: "webhook", dueNow: 0, scheduled: 0, leased: 1),
            ])
            #expect(try await store.queueStats(now: Fixture.minutes(-10)) == [
                ChannelQueueStats(channel: "email", dueNow: 0, scheduled: 3, leased: 1),
                ChannelQueueStats(channel: "sms", dueNow: 0, scheduled: 1, leased: 0),
                ChannelQueueStats(channel: "webhook", dueNow: 0, scheduled: 0, leased: 1),
            ])
        }
    }

    @Test(arguments: StoreFactory.all) func nextDueTimeAfterADateLooksOnlyLater(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_past", for: booking, due: Fixture.minutes(-5)),
                Fixture.dueJob("job_now", for: booking, due: Fixture.now),
                Fixture.dueJob("job_soon", for: booking, due: Fixture.minutes(5)),
                Fixture.dueJob("job_later", for: booking, due: Fixture.minutes(10), channel: "sms"),
            ], into: store)
            #expect(try await store.nextDueTime(channels: ["email"], after: nil) == Fixture.minutes(-5))
            // Strictly later: a job due exactly at `after` does not count.
            #expect(try await store.nextDueTime(channels: ["email"], after: Fixture.now) == Fixture.minutes(5))
            #expect(try await store.nextDueTime(channels: ["email", "sms"], after: Fixture.minutes(5)) == Fixture.minutes(10))
            #expect(try await store.nextDueTime(channels: ["email"], after: Fixture.minutes(5)) == nil)
        }
    }

    /// What the event stream publishes is what the dispatcher's calls return: every
    /// row they write, with its id, equal to the row as stored.
    @Test(arguments: StoreFactory.all) func dispatchCallsReturnTheLogRowsTheyWrite(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_cancel", for: booking, due: Fixture.minutes(-2)),
                Fixture.dueJob("job_fail", for: booking, due: Fixture.minutes(-1)),
            ], into: store)

            let batch = try await store.leaseDueJobs(leaseQuery()) { candidate in
                candidate.job.id == "job_cancel" ? .cancel(reason: "changed") : .lease
            }
            #expect(batch.leased.map(\.job.id) == ["job_fail"])
            let applied = try await store.applyResults([JobResult(
                jobID: "job_fail", attempt: 1, resolution: .failed(provider: "smtp", error: "550"), at: Fixture.now)])
            #expect(applied.dispositions == [.applied])

            let stored = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).reversed()
            #expect(Array(stored) == batch.logged + applied.logged)
            #expect(stored.map(\.outcome) == [.cancelled, .failed])
            #expect(stored.allSatisfy { $0.id != nil })
        }
    }

    /// A turn does its parts in order, and says when the loop should wake next.
    @Test(arguments: StoreFactory.all) func aTurnAppliesReleasesLeasesAndReportsTheNextTimes(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_done", for: booking, due: Fixture.minutes(-3)),
                Fixture.dueJob("job_back", for: booking, due: Fixture.minutes(-2)),
                Fixture.dueJob("job_due", for: booking, due: Fixture.minutes(-1)),
                Fixture.dueJob("job_later", for: booking, due: Fixture.minutes(5)),
            ], into: store)
            let first = try await store.leaseDueJobs(leaseQuery(limit: 2)) { _ in .lease }
            #expect(first.leased.map(\.job.id) == ["job_done", "job_back"])

            let turn = DispatchTurn(
                now: Fixture.now,
                results: [JobResult(
                    jobID: "job_done", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: "m1"),
                    at: Fixture.now)],
                releases: ["job_back"], expireLeases: true,
                leases: [leaseQuery(limit: 1), leaseQuery(limit: 5)], watched: ["email", "sms"])
            let outcome = try await store.dispatchTurn(turn) { _ in .lease }
            #expect(outcome.results.dispositions == [.applied])
            #expect(outcome.results.logged.map(\.jobID) == ["job_done"])
            #expect(outcome.logged == outcome.results.logged)
            #expect(outcome.released == 1 && outcome.expired == 0)
            // The released job is due again (oldest first); the second query finds what the first left.
            #expect(outcome.batches.map { $0.leased.map(\.job.id) } == [["job_back"], ["job_due"]])
            #expect(outcome.batches[1].leased.first?.job.attempt == 1)
            #expect(outcome.nextDue["email"] == NextDue(earliest: Fixture.minutes(5), afterNow: Fixture.minutes(5)))
            #expect(outcome.nextDue["sms"] == NextDue(earliest: nil, afterNow: nil))
            #expect(outcome.nextLeaseExpiry == leaseQuery().leaseUntil)

            // A turn that writes nothing still answers when to wake.
            let quiet = try await store.dispatchTurn(DispatchTurn(now: Fixture.now, watched: ["email"])) { _ in .lease }
            #expect(quiet.batches.isEmpty && quiet.results.dispositions.isEmpty)
            #expect(quiet.nextDue["email"]?.earliest == Fixture.minutes(5))
        }
    }

    /// A leased job comes with what its delivery is made from, so the dispatcher reads nothing more.
    @Test(arguments: StoreFactory.all) func aLeasedJobCarriesItsTenantsConfiguration(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let eventType = EventType(tenantID: "acme", id: "cut", name: "Haircut", createdAt: Fixture.now, updatedAt: Fixture.now)
            try await store.createEventType(eventType)
            let template = MessageTemplate(
                tenantID: "acme", kind: .reminder, channel: "email", subject: "Soon", body: "See you", updatedAt: Fixture.now)
            try await store.saveTemplate(template)
            var booking = Fixture.booking()
            booking.eventTypeID = "cut"
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1), offset: 60),
                Fixture.dueJob("job_2", for: booking, due: Fixture.minutes(-1), kind: .confirmation),
            ], into: store)

            let leased = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }.leased
            #expect(leased.map(\.job.id) == ["job_1", "job_2"])
            let settings = try await store.settings(tenantID: "acme")
            #expect(leased.allSatisfy { $0.settings == settings && settings != nil })
            #expect(leased.allSatisfy { $0.eventType == eventType })
            #expect(leased[0].template == (try await store.templates(tenantID: "acme")).first)
            #expect(leased[1].template == nil)

            // A change to any of them shows in the next lease (a store may keep them
            // between leases, but never past a change).
            var changed = template
            changed.body = "See you soon"
            changed.updatedAt = Fixture.minutes(1)
            try await store.saveTemplate(changed)
            var settings2 = try #require(settings)
            settings2.senderName = "Acme Hair"
            try await store.saveSettings(settings2)
            var renamed = eventType
            renamed.name = "Long haircut"
            try await store.saveEventType(renamed)
            try await Fixture.insert(Fixture.booking(id: "bk_2"), jobs: [], into: store)
            var later = booking
            later.id = "bk_3"
            try await Fixture.insert(later, jobs: [
                Fixture.dueJob("job_3", for: later, due: Fixture.minutes(-1), offset: 60),
            ], into: store)
            let again = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }.leased
            #expect(again.map(\.job.id) == ["job_3"])
            #expect(again.first?.template?.body == "See you soon")
            #expect(again.first?.settings?.senderName == "Acme Hair")
            #expect(again.first?.eventType?.name == "Long haircut")
        }
    }
}
