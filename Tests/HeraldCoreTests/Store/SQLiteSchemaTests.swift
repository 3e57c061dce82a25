import Foundation
import GRDB
import HeraldCore
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
}
