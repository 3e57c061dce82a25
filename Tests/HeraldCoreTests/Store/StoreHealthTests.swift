import Foundation
import GRDB
import HeraldCore
import HeraldProto
import Logging
import Testing

/// A write the database refuses for want of space or permission is
/// `StoreError.unavailable`, marks the store's health, and the next write that
/// commits clears it. SQLite's own limits stand in for the disk here
/// (`max_page_count` for a full disk, `query_only` for a read-only file);
/// DiskFullTests does it with a real full file system.
@Suite("store health under refused writes")
struct StoreHealthTests {
    @Test func anOutageShowsInTheMetricsUntilAWriteCommits() {
        let metrics = HeraldMetrics()
        let health = StoreHealth(metrics: metrics)
        #expect(metrics.snapshot().gauge("herald_store_writable") == 1)
        let problem = StoreUnavailable(cause: .diskFull, path: "/data/herald.db", detail: "SQLITE_FULL")
        health.writeFailed(problem)
        health.writeFailed(problem)
        #expect(metrics.snapshot().gauge("herald_store_writable") == 0)
        #expect(metrics.snapshot().counter("herald_store_writes_refused_total") == 2)
        health.writeSucceeded()
        #expect(metrics.snapshot().gauge("herald_store_writable") == 1)
        #expect(health.isWritable)
    }

    @Test func aFullDatabaseIsUnavailableUntilItHasRoomAgain() async throws {
        try await withTemporaryStore { store, path in
            try await Fixture.createTenant(store, id: "first")
            let pages = try await store.database.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try await store.database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            var failure: StoreError?
            for index in 0..<200 where failure == nil {
                do {
                    try await Fixture.createTenant(store, id: "t\(index)-" + String(repeating: "x", count: 40))
                } catch let error as StoreError {
                    failure = error
                }
            }
            guard case .unavailable(let problem)? = failure else {
                Issue.record("no write was refused as unavailable: \(String(describing: failure))")
                return
            }
            #expect(problem.cause == .diskFull)
            #expect(problem.path == path)
            #expect(problem.description == "the database cannot be written (disk full): \(path)")
            let outage = try #require(store.health.current)
            #expect(outage.failures == 1 && outage.problem == problem)
            // Reads still answer.
            #expect(try await store.tenant(id: "first") != nil)

            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            try await Fixture.createTenant(store, id: "after")
            #expect(store.health.current == nil)
        }
    }

    @Test func aReadOnlyDatabaseIsUnavailableAndTheAdminServiceSaysSo() async throws {
        try await withTemporaryStore { store, path in
            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = ON") }
            let service = AdminService(store: store, clock: ManualWallClock(Fixture.now), logger: .init(label: "test"))
            do {
                _ = try await service.createTenant(.with {
                    $0.id = "salon"
                    $0.name = "Salon"
                })
                Issue.record("the tenant was created in a read-only database")
            } catch let error as AdminError {
                #expect(error.code == .unavailable, "\(error)")
                #expect(error.message.contains("read-only") && error.message.contains(path), "\(error)")
            }
            #expect(store.health.current?.problem.cause == .readOnly)

            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = OFF") }
            _ = try await service.createTenant(.with {
                $0.id = "salon"
                $0.name = "Salon"
            })
            #expect(store.health.isWritable)
        }
    }
}
