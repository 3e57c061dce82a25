import Foundation
import GRDB
import HeraldCore
import Testing

/// What only the SQLite store promises: its migrations, its file settings, the
/// query plans its hot paths rely on, and the unique index behind "at most one
/// `sent`". What every store promises is in `StoreContract/`.
@Suite("SQLite store: schema, file settings and query plans")
struct SQLiteStoreTests {
    @Test func migrationAddsTheDispatchSchemaAndFallbackProviderRoundTrips() async throws {
        try await withTemporaryStore { store, path in
            #expect(SQLiteStore.migrationNames == ["v1-initial-schema", "v2-dispatch", "v3-templates", "v4-team-destinations", "v5-api-keys", "v6-idempotency-keys", "v7-delivery-states", "v8-link-keys", "v9-event-type-fallback", "v10-pending-replies", "v11-customer-links", "v12-ask-confirmation", "v13-provider-accounts"])
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

    @Test func leaseQueryWalksThePendingIndexWithoutSortingOrScanning() async throws {
        try await withTemporaryStore { store, _ in
            let plan = try await store.database.read { db in
                try queryPlan(db, SQLiteStore.leaseCandidatesSQL,
                              ["email", Fixture.now, "smtp", "smtp", "[\"twilio\"]", "[\"\",\"salon\"]", 500])
            }
            #expect(plan.contains("notification_jobs_pending_by_channel_due"), "\(plan)")
            #expect(!plan.contains("SCAN notification_jobs"), "\(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
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

    /// The unique index itself, through the one way to append a bare row.
    @Test func secondSentForTheSameNotificationIsAlreadyExists() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let job = Fixture.job(for: booking, kind: .reminder, offset: 60)
            try await Fixture.insert(booking, jobs: [job], into: store)

            let failed = try await store.appendLog(ReminderLogEntry(
                job: job, outcome: .failed, provider: "smtp", error: "451 try later", loggedAt: Fixture.now))
            let sent = try await store.appendLog(ReminderLogEntry(
                job: job, outcome: .sent, provider: "smtp", providerMessageID: "m-1", loggedAt: Fixture.minutes(1)))
            #expect(failed.id != nil && sent.id != nil && failed.id != sent.id)

            // A redelivery (same notification key, another attempt) must not log a second `sent`.
            var redelivered = job
            redelivered.attempt = 2
            await expectStoreError({
                if case .alreadyExists(StoreEntity.reminderLog, job.id) = $0 { true } else { false }
            }) {
                _ = try await store.appendLog(ReminderLogEntry(
                    job: redelivered, outcome: .sent, providerMessageID: "m-2", loggedAt: Fixture.minutes(2)))
            }

            // Another recipient is another notification.
            var toHost = job
            toHost.recipient = "host@acme.test"
            _ = try await store.appendLog(ReminderLogEntry(job: toHost, outcome: .sent, loggedAt: Fixture.minutes(3)))

            let log = try await store.reminderLog(tenantID: "acme", bookingID: nil, limit: 10)
            #expect(log.map(\.outcome) == [.sent, .sent, .failed])
            #expect(log.last == failed)
        }
    }}

/// The `EXPLAIN QUERY PLAN` details of a statement, one per line.
func queryPlan(_ db: Database, _ sql: String, _ arguments: StatementArguments = []) throws -> String {
    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
        .map { row -> String in row["detail"] }
        .joined(separator: "\n")
}
