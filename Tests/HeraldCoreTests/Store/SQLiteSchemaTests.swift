import Foundation
import GRDB
import HeraldTesting
@testable import HeraldCore
import Testing

@Suite("SQLite schema")
struct SQLiteSchemaTests {
    @Test func migrationsApplyToAnEmptyFileAndReopeningIsANoOp() async throws {
        try await withTemporaryStore { store, path in
            #expect(SQLiteStore.migrationNames.first == "v1-initial-schema")
            #expect(try await store.appliedMigrations() == SQLiteStore.migrationNames)
            try await Fixture.createTenant(store)

            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.appliedMigrations() == SQLiteStore.migrationNames)
            // Data written before re-opening survives it.
            #expect(try await reopened.tenant(id: "acme") == Fixture.tenant())
        }
    }

    @Test func fileDatabaseUsesWALAndForeignKeys() async throws {
        try await withTemporaryStore { store, _ in
            let (journalMode, foreignKeys) = try await store.database.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                 try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
            }
            #expect(journalMode == "wal")
            #expect(foreignKeys == true)
        }
    }

    @Test func bookingStatusCheckRejectsUnknownValues() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let insert = { (status: String) in
                try await store.database.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO bookings (id, tenant_id, customer_name, start_at, end_at,
                                status, schedule_version, created_at, updated_at)
                            VALUES (?, 'acme', 'Ada', '2027-01-01 10:00:00.000', '2027-01-01 11:00:00.000',
                                ?, 1, '2027-01-01 09:00:00.000', '2027-01-01 09:00:00.000')
                            """,
                        arguments: ["bk_\(status)", status])
                }
            }
            try await insert("no_show")
            let error = await #expect(throws: DatabaseError.self) { try await insert("maybe") }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            #expect(try await store.booking(id: "bk_no_show")?.status == .noShow)
        }
    }

    /// v12 rebuilds booking_events (SQLite cannot change a CHECK): events are kept as
    /// they were, `booking.unconfirmed` is allowed, and the sequence goes on from its
    /// high-water mark, not from the last row left after old events were trimmed.
    @Test func v12KeepsEventsAndTheirSequenceAndAllowsUnconfirmed() throws {
        let directory = try TemporaryDirectory(prefix: "herald-v12")
        let database = try DatabaseQueue(path: directory.appending("herald.db").path)
        try SQLiteSchema.migrator.migrate(database, upTo: "v11-customer-links")
        let snapshot = #"{"createdAt":"2027-01-15 08:00:00.000","customerName":"Ada","endAt":"2027-01-18 09:00:00.000","id":"bk_1","scheduleVersion":1,"startAt":"2027-01-18 08:00:00.000","status":"pending","tenantID":"acme","updatedAt":"2027-01-15 08:00:00.000"}"#
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO tenants VALUES ('acme', 'Acme', '2027-01-15 08:00:00.000');
                INSERT INTO bookings (id, tenant_id, customer_name, start_at, end_at, status, schedule_version, created_at, updated_at)
                    VALUES ('bk_1', 'acme', 'Ada', '2027-01-18 08:00:00.000', '2027-01-18 09:00:00.000', 'pending', 1,
                            '2027-01-15 08:00:00.000', '2027-01-15 08:00:00.000');
                """)
            for index in 1...3 {
                try db.execute(
                    sql: "INSERT INTO booking_events (id, type, tenant_id, booking_id, occurred_at, booking) VALUES (?, 'booking.created', 'acme', 'bk_1', '2027-01-15 08:00:00.000', ?)",
                    arguments: ["evt_\(index)", snapshot])
            }
            try db.execute(sql: "DELETE FROM booking_events WHERE id = 'evt_3'")
            // v11 refuses the new type.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO booking_events (id, type, tenant_id, booking_id, occurred_at, booking) VALUES ('evt_x', 'booking.unconfirmed', 'acme', 'bk_1', '2027-01-15 08:00:00.000', '{}')")
            }
        }
        try SQLiteSchema.migrator.migrate(database)
        try database.write { db in
            let kept = try Row.fetchAll(db, sql: "SELECT sequence, id, booking FROM booking_events ORDER BY sequence")
            #expect(kept.map { $0["sequence"] as Int64 } == [1, 2])
            #expect(kept.map { $0["id"] as String } == ["evt_1", "evt_2"])
            #expect(kept.allSatisfy { ($0["booking"] as String) == snapshot })
            try db.execute(sql: "INSERT INTO booking_events (id, type, tenant_id, booking_id, occurred_at, booking) VALUES ('evt_4', 'booking.unconfirmed', 'acme', 'bk_1', '2027-01-16 08:00:00.000', ?)", arguments: [snapshot])
            #expect(try Int64.fetchOne(db, sql: "SELECT sequence FROM booking_events WHERE id = 'evt_4'") == 4)
            #expect(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'booking_events' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                == ["booking_events_by_booking", "booking_events_by_tenant"])
            // A booking stored before v12 reads back, not asked and without a deadline.
            let booking = try BookingRow.fetchOne(db, sql: "SELECT * FROM bookings WHERE id = 'bk_1'")?.model
            #expect(booking?.askedToConfirm == false)
            #expect(booking?.confirmBy == nil)
        }
        // And so does its old snapshot, written before the booking had those fields.
        let old = try JSONColumn.decode(Booking.self, from: snapshot)
        #expect(old.askedToConfirm == false && old.confirmBy == nil && old.customerName == "Ada")
    }
}
