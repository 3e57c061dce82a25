import Foundation
import GRDB
import HeraldCore
import Testing

@Suite("SQLite store: leases, timing and queue visibility")
struct StoreQueueTests {
    /// One booking with two email jobs due in the past, leased at ``Fixture/now`` for a minute.
    private func twoLeasedJobs(_ store: SQLiteStore) async throws -> Booking {
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

    private func jobsByID(_ store: SQLiteStore, _ booking: Booking) async throws -> [String: NotificationJob] {
        Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
    }

    @Test func expireLeasesReturnsOnlyExpiredLeasesToPendingKeepingTheirDueTime() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func releaseLeasesReturnsTheNamedLeasedJobs() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func releaseAllLeasesLeavesFinishedJobsAlone() async throws {
        try await withTemporaryStore { store, _ in
            let booking = try await twoLeasedJobs(store)
            _ = try await store.applyResults([JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: nil), at: Fixture.now)])
            #expect(try await store.releaseAllLeases(now: Fixture.now) == 1)
            let jobs = try await jobsByID(store, booking)
            #expect(jobs["job_1"]?.status == .sent)
            #expect(jobs["job_2"]?.status == .pending)
        }
    }

    @Test func nextDueTimeLooksOnlyAtPendingJobsOfTheGivenChannels() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func queueStatsCountsPerChannel() async throws {
        try await withTemporaryStore { store, _ in
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

    @Test func timingQueriesUseTheirIndexes() async throws {
        try await withTemporaryStore { store, _ in
            let (nextDue, nextExpiry, bookingLookup) = try await store.database.read { db in
                (try queryPlan(db, SQLiteStore.nextDueSQL, ["email", "2020-01-01 00:00:00.000"]),
                 try queryPlan(db, SQLiteStore.nextLeaseExpirySQL),
                 try queryPlan(db, "SELECT * FROM bookings WHERE id IN (SELECT value FROM json_each(?))", ["[\"a\"]"]))
            }
            #expect(nextDue.contains("notification_jobs_pending_by_channel_due"), "\(nextDue)")
            #expect(!nextDue.contains("TEMP B-TREE"), "\(nextDue)")
            #expect(nextExpiry.contains("notification_jobs_leased_by_expiry"), "\(nextExpiry)")
            #expect(!nextExpiry.contains("TEMP B-TREE"), "\(nextExpiry)")
            #expect(!bookingLookup.contains("SCAN bookings"), "\(bookingLookup)")
        }
    }
}

@Suite("SQLite store: dispatch schema and booking write additions")
struct StoreDispatchSchemaTests {
    @Test func migrationAddsTheDispatchSchemaAndFallbackProviderRoundTrips() async throws {
        try await withTemporaryStore { store, path in
            #expect(SQLiteStore.migrationNames == ["v1-initial-schema", "v2-dispatch", "v3-templates", "v4-team-destinations", "v5-api-keys", "v6-idempotency-keys"])
            #expect(try await store.appliedMigrations() == SQLiteStore.migrationNames)
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let job = Fixture.dueJob("job_1", for: booking, due: Fixture.now, channel: "sms",
                                     provider: "twilio", fallbackProvider: "vonage")
            try await Fixture.insert(booking, jobs: [job], into: store)
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.jobs(bookingID: booking.id) == [job])
        }
    }

    @Test func writerUsesWALWithNormalSynchronous() async throws {
        try await withTemporaryStore { store, _ in
            let (journal, synchronous) = try await store.database.write { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(journal == "wal")
            #expect(synchronous == 1) // NORMAL
        }
    }

    @Test func newLogEntriesAreWrittenWithTheBooking() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var skipped = Fixture.dueJob("job_skipped", for: booking, due: Fixture.minutes(-5), offset: 1440)
            skipped.status = .skipped
            let entry = ReminderLogEntry(
                job: skipped, outcome: .skipped, error: "booked after the reminder time", loggedAt: Fixture.now)
            try await store.writeBooking(BookingWrite(
                booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                newJobs: [skipped], newLogEntries: [entry]))

            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.count == 1)
            #expect(log.first?.id != nil)
            var expected = entry
            expected.id = log.first?.id
            #expect(log.first == expected)
            #expect(try await store.jobs(bookingID: booking.id).first?.status == .skipped)
            // A skipped job is never leased.
            #expect(try await store.leaseDueJobs(leaseQuery()) { _ in .lease }.leased.isEmpty)
        }
    }

    @Test func newLogEntriesRollBackWithAFailedWrite() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let job = Fixture.dueJob("job_same", for: booking, due: Fixture.now)
            let entry = ReminderLogEntry(job: job, outcome: .skipped, loggedAt: Fixture.now)
            await expectStoreError({
                if case .alreadyExists(StoreEntity.job, "job_same") = $0 { true } else { false }
            }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newJobs: [job, job], newLogEntries: [entry]))
            }
            #expect(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10).isEmpty)
            #expect(try await store.booking(id: booking.id) == nil)

            // An entry for another booking is refused, and nothing is written.
            let other = Fixture.booking()
            let foreign = ReminderLogEntry(
                job: Fixture.dueJob("job_x", for: other, due: Fixture.now), outcome: .skipped, loggedAt: Fixture.now)
            await expectStoreError({ if case .conflict = $0 { true } else { false } }) {
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newLogEntries: [foreign]))
            }
            #expect(try await store.booking(id: booking.id) == nil)
        }
    }

    @Test func reminderLogWithoutATenantListsAllTenantsNewestFirst() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store, id: "acme")
            try await Fixture.createTenant(store, id: "globex")
            let first = Fixture.booking(tenantID: "acme")
            let second = Fixture.booking(tenantID: "globex")
            for booking in [first, second] {
                let job = Fixture.dueJob("job_\(booking.tenantID)", for: booking, due: Fixture.now)
                try await store.writeBooking(BookingWrite(
                    booking: booking, expected: nil, event: Fixture.event(.created, for: booking),
                    newLogEntries: [ReminderLogEntry(job: job, outcome: .skipped, loggedAt: Fixture.now)]))
            }
            let all = try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10)
            #expect(all.map(\.tenantID) == ["globex", "acme"])
            #expect(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 1).map(\.tenantID) == ["globex"])
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: nil, limit: 10).map(\.jobID) == ["job_acme"])
            #expect(try await store.reminderLog(tenantID: nil, bookingID: second.id, limit: 10).map(\.jobID)
                == ["job_globex"])
        }
    }
}
