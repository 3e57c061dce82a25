import Foundation
import HeraldCore
import Testing

@Suite("store contract: leasing due jobs")
struct LeasingContractTests {
    @Test(arguments: StoreFactory.all) func leasesOnlyDueJobsOfTheChannelOldestFirstUpToTheLimit(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_b", for: booking, due: Fixture.minutes(-20)),
                Fixture.dueJob("job_future", for: booking, due: Fixture.minutes(1)),
                Fixture.dueJob("job_a", for: booking, due: Fixture.minutes(-30)),
                Fixture.dueJob("job_c", for: booking, due: Fixture.now),
                Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(-40), channel: "sms"),
            ], into: store)

            let first = try await store.leaseDueJobs(leaseQuery(limit: 2)) { _ in .lease }
            #expect(first.leased.map(\.job.id) == ["job_a", "job_b"])
            #expect(first.cancelled == 0 && first.missed == 0)
            for leased in first.leased {
                #expect(leased.job.status == .leased)
                #expect(leased.job.attempt == 1)
                #expect(leased.job.leasedTo == "worker-1")
                #expect(leased.job.leaseExpiresAt == Fixture.minutes(1))
                #expect(leased.booking == booking)
            }
            // What was returned is what is stored.
            let stored = try await store.jobs(bookingID: booking.id)
            for leased in first.leased {
                #expect(stored.first { $0.id == leased.job.id } == leased.job)
            }

            let second = try await store.leaseDueJobs(leaseQuery(limit: 10)) { _ in .lease }
            #expect(second.leased.map(\.job.id) == ["job_c"])
            let third = try await store.leaseDueJobs(leaseQuery(limit: 10)) { _ in .lease }
            #expect(third.leased.isEmpty)

            let byID = Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
            #expect(byID["job_future"]?.status == .pending)
            #expect(byID["job_future"]?.attempt == 0)
            #expect(byID["job_sms"]?.status == .pending)
        }
    }

    @Test(arguments: StoreFactory.all) func cancelAndMissDecisionsEndJobsWithLogRowsAndDoNotCountTowardTheLimit(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-3)),
                Fixture.dueJob("job_2", for: booking, due: Fixture.minutes(-2)),
                Fixture.dueJob("job_3", for: booking, due: Fixture.minutes(-1)),
            ], into: store)

            let batch = try await store.leaseDueJobs(leaseQuery(limit: 1)) { candidate in
                #expect(candidate.booking?.id == booking.id)
                switch candidate.job.id {
                case "job_1": return .cancel(reason: "schedule version changed")
                case "job_2": return .miss(reason: "past the grace period")
                default: return .lease
                }
            }
            #expect(batch.leased.map(\.job.id) == ["job_3"])
            #expect(batch.cancelled == 1)
            #expect(batch.missed == 1)

            let byID = Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
            #expect(byID["job_1"]?.status == .cancelled)
            #expect(byID["job_1"]?.lastError == "schedule version changed")
            #expect(byID["job_1"]?.attempt == 0)
            #expect(byID["job_2"]?.status == .missed)
            #expect(byID["job_3"]?.status == .leased)

            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.count == 2)
            let cancelled = try #require(log.first { $0.jobID == "job_1" })
            #expect(cancelled.outcome == .cancelled)
            #expect(cancelled.error == "schedule version changed")
            #expect(cancelled.loggedAt == Fixture.now)
            let missed = try #require(log.first { $0.jobID == "job_2" })
            #expect(missed.outcome == .missed)
            #expect(missed.error == "past the grace period")
        }
    }

    @Test(arguments: StoreFactory.all) func workIsBoundedWhenEveryCandidateIsCancelled(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let jobs = (0..<30).map { index in
                Fixture.dueJob(String(format: "job_%02d", index), for: booking, due: Fixture.minutes(Double(index - 60)))
            }
            try await Fixture.insert(booking, jobs: jobs, into: store)

            let first = try await store.leaseDueJobs(leaseQuery(limit: 2)) { _ in .cancel(reason: "gone") }
            #expect(first.leased.isEmpty)
            #expect(first.cancelled > 0)
            #expect(first.cancelled < 30)
            // Calling again continues where the last call stopped.
            var total = first.cancelled
            while total < 30 {
                let next = try await store.leaseDueJobs(leaseQuery(limit: 2)) { _ in .cancel(reason: "gone") }
                #expect(next.cancelled > 0)
                if next.cancelled == 0 { break }
                total += next.cancelled
            }
            #expect(total == 30)
        }
    }

    @Test(arguments: StoreFactory.all) func providerEligibilityIncludesTheFallbackOfAnAbsentProvider(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let due = Fixture.minutes(-1)
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_any", for: booking, due: due, channel: "sms"),
                Fixture.dueJob("job_vonage", for: booking, due: due, channel: "sms", provider: "vonage"),
                Fixture.dueJob("job_twilio", for: booking, due: due, channel: "sms", provider: "twilio"),
                Fixture.dueJob("job_twilio_or_vonage", for: booking, due: due, channel: "sms",
                               provider: "twilio", fallbackProvider: "vonage"),
            ], into: store)

            // Twilio has a worker: a Vonage worker gets only its own and unassigned jobs.
            let present = try await store.leaseDueJobs(
                leaseQuery(channel: "sms", provider: "vonage", present: ["twilio", "vonage"])) { _ in .lease }
            #expect(Set(present.leased.map(\.job.id)) == ["job_any", "job_vonage"])

            // Twilio is gone: its jobs with a Vonage fallback go to the Vonage worker too.
            let absent = try await store.leaseDueJobs(
                leaseQuery(channel: "sms", provider: "vonage", present: ["vonage"])) { _ in .lease }
            #expect(absent.leased.map(\.job.id) == ["job_twilio_or_vonage"])

            // A Twilio-only job waits for a Twilio worker.
            let twilio = try await store.leaseDueJobs(
                leaseQuery(channel: "sms", provider: "twilio", present: ["twilio"])) { _ in .lease }
            #expect(twilio.leased.map(\.job.id) == ["job_twilio"])
        }
    }

    @Test(arguments: StoreFactory.all) func candidatesCarryTheirSubscriptionAndEvent(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let subscription = WebhookSubscription(
                id: "wh_1", tenantID: "acme", url: "https://example.com/hook",
                secret: "whsec_test", createdAt: Fixture.now)
            try await store.createWebhook(subscription)
            let created = try await Fixture.insert(booking, into: store)
            var job = Fixture.dueJob("job_hook", for: booking, due: Fixture.minutes(-1), channel: "webhook", kind: .webhook)
            job.subscriptionID = "wh_1"
            job.eventID = created.id
            let orphan = {
                var job = Fixture.dueJob("job_orphan", for: booking, due: Fixture.minutes(-1), channel: "webhook", kind: .webhook)
                job.subscriptionID = "wh_deleted"
                return job
            }()
            var updated = booking
            updated.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: updated, expected: booking, event: Fixture.event(.confirmed, for: updated),
                newJobs: [job, orphan]))

            let batch = try await store.leaseDueJobs(
                leaseQuery(channel: "webhook", provider: "http")) { _ in .lease }
            #expect(batch.leased.count == 2)
            let hook = try #require(batch.leased.first { $0.job.id == "job_hook" })
            #expect(hook.subscription == subscription)
            #expect(hook.event == created)
            #expect(hook.booking == updated)
            let orphaned = try #require(batch.leased.first { $0.job.id == "job_orphan" })
            #expect(orphaned.subscription == nil)
            #expect(orphaned.event == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func zeroLimitLeasesNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [
                Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1)),
            ], into: store)
            let batch = try await store.leaseDueJobs(leaseQuery(limit: 0)) { _ in .lease }
            #expect(batch == LeaseBatch())
            #expect(try await store.jobs(bookingID: booking.id).first?.status == .pending)
        }
    }

    /// One live lease per job: a leased job is not offered again until its lease is given
    /// back, and the next lease is a new attempt.
    @Test(arguments: StoreFactory.all) func aLeasedJobIsNotLeasedAgainUntilItsLeaseIsGivenBack(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(booking, jobs: [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1))], into: store)
            #expect(try await store.leaseDueJobs(leaseQuery(worker: "w1")) { _ in .lease }.leased.map(\.job.id) == ["job_1"])
            // Later, even past its expiry time, while the lease has not been expired:
            let later = leaseQuery(now: Fixture.minutes(5), worker: "w2")
            #expect(try await store.leaseDueJobs(later) { _ in .lease }.leased.isEmpty)

            #expect(try await store.expireLeases(now: Fixture.minutes(5)) == 1)
            let again = try await store.leaseDueJobs(later) { _ in .lease }
            #expect(again.leased.map(\.job.attempt) == [2])
            #expect(again.leased.first?.job.leasedTo == "w2")
            #expect(again.leased.first?.job.leaseExpiresAt == Fixture.minutes(6))
        }
    }

    @Test(arguments: StoreFactory.all) func concurrentLeasesNeverHandOutAJobTwice(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let jobs = (0..<40).map { Fixture.dueJob(String(format: "job_%02d", $0), for: booking, due: Fixture.minutes(-1)) }
            try await Fixture.insert(booking, jobs: jobs, into: store)

            let batches = try await withThrowingTaskGroup(of: (String, [LeasedJob]).self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        let batch = try await store.leaseDueJobs(leaseQuery(limit: 10, worker: "w\(worker)")) { _ in .lease }
                        return ("w\(worker)", batch.leased)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let leased = batches.flatMap { worker, jobs in jobs.map { (worker, $0.job) } }
            #expect(leased.count == 40)
            #expect(Set(leased.map(\.1.id)).count == 40)
            let stored = Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
            for (worker, job) in leased {
                #expect(job.attempt == 1)
                #expect(stored[job.id]?.leasedTo == worker, "\(job.id)")
            }
        }
    }

    @Test(arguments: StoreFactory.all) func finishedJobsAreNeverLeased(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let finished: [NotificationJob] = [JobStatus.sent, .failed, .cancelled, .skipped, .missed].map { status in
                var job = Fixture.dueJob("job_\(status.rawValue)", for: booking, due: Fixture.minutes(-10))
                job.status = status
                return job
            }
            try await Fixture.insert(
                booking, jobs: finished + [Fixture.dueJob("job_open", for: booking, due: Fixture.minutes(-1))], into: store)
            let batch = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }
            #expect(batch.leased.map(\.job.id) == ["job_open"])
            #expect(batch.cancelled == 0 && batch.missed == 0)
            #expect(try await store.nextDueTime(channels: ["email"], after: nil) == nil)
        }
    }
}
