import Foundation
import GRDB
import HeraldCore
import Testing

/// A lease query around ``Fixture/now`` with a one-minute lease.
func leaseQuery(
    channel: String = "email",
    provider: String = "smtp",
    present: Set<String> = [],
    limit: Int = 10,
    now: Date = Fixture.now,
    worker: String = "worker-1"
) -> LeaseQuery {
    LeaseQuery(
        channel: channel, provider: provider, presentProviders: present, limit: limit,
        now: now, leaseUntil: now.addingTimeInterval(60), leasedTo: worker)
}

@Suite("SQLite store: leasing due jobs")
struct StoreLeaseTests {
    @Test func leasesOnlyDueJobsOfTheChannelOldestFirstUpToTheLimit() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func cancelAndMissDecisionsEndJobsWithLogRowsAndDoNotCountTowardTheLimit() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func workIsBoundedWhenEveryCandidateIsCancelled() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func providerEligibilityIncludesTheFallbackOfAnAbsentProvider() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func candidatesCarryTheirSubscriptionAndEvent() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func zeroLimitLeasesNothing() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func leaseQueryWalksThePendingIndexWithoutSortingOrScanning() async throws {
        try await withTemporaryStore { store, _ in
            let plan = try await store.database.read { db in
                try queryPlan(db, SQLiteStore.leaseCandidatesSQL,
                              ["email", Fixture.now, "smtp", "smtp", "[\"twilio\"]", 500])
            }
            #expect(plan.contains("notification_jobs_pending_by_channel_due"), "\(plan)")
            #expect(!plan.contains("SCAN notification_jobs"), "\(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }
}

/// The `EXPLAIN QUERY PLAN` details of a statement, one per line.
func queryPlan(_ db: Database, _ sql: String, _ arguments: StatementArguments = []) throws -> String {
    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
        .map { row -> String in row["detail"] }
        .joined(separator: "\n")
}
