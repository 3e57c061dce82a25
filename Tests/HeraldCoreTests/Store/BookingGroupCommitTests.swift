import Dispatch
import Foundation
import GRDB
import HeraldCore
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

/// Booking writes made at the same time share one transaction (group commit), and
/// each caller still gets its own outcome. The tests hold GRDB's writer busy with a
/// ``WriterGate`` so that writes queue up deterministically behind it, and count real
/// commits with a SQLite commit hook (a GRDB transaction observer), not the queue's word.
@Suite("SQLite store: group commit of booking writes")
struct BookingGroupCommitTests {
    @Test func concurrentWritesCommitInFewerTransactionsThanWrites() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let commits = try await CommitCounter.install(on: store)
            let bookings = (0..<40).map { Fixture.booking(id: "bk_\($0)") }

            try await holdingTheWriter(store) { gate in
                // The first write starts a batch of its own, which waits behind the gate...
                let pilot = Task { try await Fixture.insert(bookings[0], jobs: threeJobs(for: bookings[0]), into: store) }
                try await eventually("the first write committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                // ...and the 39 made meanwhile queue up for the next.
                let others = bookings.dropFirst().map { booking in
                    Task { try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store) }
                }
                try await eventually("39 writes queued") { store.bookingWrites.statistics.queued == 39 }
                gate.open()
                _ = try await pilot.value
                for task in others { _ = try await task.value }
            }

            #expect(commits.count == 2)
            let statistics = store.bookingWrites.statistics
            #expect(statistics.batches == 2 && statistics.writes == 40 && statistics.largestBatch == 39)
            for booking in bookings {
                #expect(try await store.booking(id: booking.id) == booking)
                #expect(try await store.jobs(bookingID: booking.id).count == 3)
            }
            let events = try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 100)
            #expect(events.count == 40)
            #expect(Set(events.compactMap(\.sequence)).count == 40)
        }
    }

    @Test func createBookingCallsInOneBatchArePublishedEachAfterItsCommit() async throws {
        try await withTemporaryStore { store, _ in
            /// For each published event, whether a fresh read already saw it stored.
            let published = Mutex<[String: Bool]>([:])
            let wakeUps = Mutex(0)
            let service = AdminService(
                store: store, clock: ManualWallClock(Fixture.now), logger: Logger(label: "test"),
                publish: { event in
                    let stored = (try? store.database.read { db in
                        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM booking_events WHERE id = ?)", arguments: [event.id])
                    }) ?? nil
                    published.withLock { $0[event.id] = stored ?? false }
                },
                jobsPlanned: { wakeUps.withLock { $0 += 1 } })
            _ = try await service.createTenant(.with {
                $0.id = "salon"
                $0.name = "Salon"
            })
            let commits = try await CommitCounter.install(on: store)

            let created = try await holdingTheWriter(store) { gate -> [Herald_V1_Booking] in
                let calls = (0..<20).map { index in
                    Task {
                        try await service.createBooking(.with {
                            $0.tenantID = "salon"
                            $0.id = "bk_\(index)"
                            $0.startAt = Timestamp.format(Fixture.minutes(Double(3 * 24 * 60 + index)))
                            $0.customerEmail = "ada@example.com"
                        })
                    }
                }
                // The first call's write commits alone (held at the gate), the other 19 queue behind it.
                try await eventually("19 booking writes queued") { store.bookingWrites.statistics.queued == 19 }
                #expect(published.withLock { $0.isEmpty }, "nothing is published before its commit")
                gate.open()
                var created: [Herald_V1_Booking] = []
                for call in calls { created.append(try await call.value) }
                return created
            }

            #expect(commits.count == 2)
            #expect(created.count == 20)
            let events = try await store.events(tenantID: "salon", bookingID: nil, afterSequence: 0, limit: 100)
            #expect(events.count == 20)
            #expect(published.withLock { $0 } == Dictionary(uniqueKeysWithValues: events.map { ($0.id, true) }))
            #expect(wakeUps.withLock { $0 } == 20)
        }
    }

    @Test func aLoneWriteCommitsAtOnceInItsOwnTransaction() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let commits = try await CommitCounter.install(on: store)
            let booking = Fixture.booking()
            // Nothing else is written: a writer that waited for company (or for a timer
            // that never fires while idle) would never answer.
            _ = try await withTimeout("a lone booking write") {
                try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store)
            }
            #expect(commits.count == 1)
            #expect(store.bookingWrites.statistics == .init(batches: 1, writes: 1, largestBatch: 1))
            #expect(try await store.booking(id: booking.id) == booking)
        }
    }

    @Test func oneBadWriteFailsAloneWithItsErrorAndTheOthersCommit() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let taken = Fixture.booking(id: "bk_taken")
            try await Fixture.insert(taken, into: store)
            let commits = try await CommitCounter.install(on: store)

            let good = (0..<3).map { Fixture.booking(id: "bk_good\($0)") }
            var duplicate = Fixture.booking(id: "bk_taken")
            duplicate.customerName = "Someone Else"
            let duplicateJob = Fixture.job(id: "job_of_duplicate", for: duplicate, kind: .confirmation)
            var stale = taken
            stale.status = .cancelled
            var staleExpected = taken
            staleExpected.scheduleVersion = 7
            let staleJob = Fixture.job(id: "job_of_stale", for: stale, kind: .cancellation)
            let duplicateWrite = BookingWrite(
                booking: duplicate, expected: nil, event: Fixture.event(.created, for: duplicate), newJobs: [duplicateJob])
            let staleWrite = BookingWrite(
                booking: stale, expected: staleExpected,
                event: Fixture.event(.cancelled, for: stale, previous: staleExpected),
                cancelPendingJobs: .all(reason: "cancelled"), newJobs: [staleJob])

            let outcomes = try await holdingTheWriter(store) { gate -> [String: Result<BookingEventRecord, any Error>] in
                let pilot = Task { try await Fixture.insert(Fixture.booking(id: "bk_pilot"), into: store) }
                try await eventually("the pilot committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                var tasks: [String: Task<BookingEventRecord, any Error>] = [:]
                for booking in good {
                    tasks[booking.id] = Task { try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store) }
                }
                tasks["duplicate"] = Task { try await store.writeBooking(duplicateWrite).event }
                tasks["stale"] = Task { try await store.writeBooking(staleWrite).event }
                try await eventually("five writes queued") { store.bookingWrites.statistics.queued == 5 }
                gate.open()
                _ = try await pilot.value
                var outcomes: [String: Result<BookingEventRecord, any Error>] = [:]
                for (name, task) in tasks { outcomes[name] = await task.result }
                return outcomes
            }

            #expect(commits.count == 2, "the pilot's transaction and the batch's")
            #expect(store.bookingWrites.statistics.largestBatch == 5)
            for booking in good {
                #expect((try? outcomes[booking.id]?.get()) != nil, "\(booking.id): \(String(describing: outcomes[booking.id]))")
                #expect(try await store.booking(id: booking.id) == booking)
                #expect(try await store.jobs(bookingID: booking.id).count == 3)
            }
            #expect(storeError(outcomes["duplicate"]) { if case .alreadyExists(StoreEntity.booking, "bk_taken") = $0 { true } else { false } })
            #expect(storeError(outcomes["stale"]) { if case .conflict = $0 { true } else { false } })
            // Nothing of the failed writes stayed: the stored booking, its jobs and events are the first writer's.
            #expect(try await store.booking(id: "bk_taken") == taken)
            #expect(try await store.jobs(bookingID: "bk_taken").isEmpty)
            let events = try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 100)
            #expect(events.filter { $0.bookingID == "bk_taken" }.map(\.type) == [.created])
            #expect(events.count == 1 + 1 + 3)
            #expect(store.health.isWritable)
        }
    }

    @Test func createThenRescheduleOfOneBookingInOneBatchKeepTheirOrder() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let commits = try await CommitCounter.install(on: store)
            let created = Fixture.booking(id: "bk_moving")
            var rescheduled = created
            rescheduled.startAt = Fixture.minutes(90, after: created.startAt)
            rescheduled.endAt = Fixture.minutes(90, after: created.endAt)
            rescheduled.scheduleVersion = 2
            rescheduled.updatedAt = Fixture.minutes(1)
            let newReminder = Fixture.job(id: "job_new_reminder", for: rescheduled, kind: .reminder, offset: 60)
            let rescheduleWrite = BookingWrite(
                booking: rescheduled, expected: created,
                event: Fixture.event(.rescheduled, for: rescheduled, previous: created, at: rescheduled.updatedAt),
                cancelPendingJobs: .kinds([.reminder], reason: "rescheduled"), newJobs: [newReminder])

            try await holdingTheWriter(store) { gate in
                let pilot = Task { try await Fixture.insert(Fixture.booking(id: "bk_pilot"), into: store) }
                try await eventually("the pilot committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                let create = Task { try await Fixture.insert(created, jobs: threeJobs(for: created), into: store) }
                try await eventually("the create queued") { store.bookingWrites.statistics.queued == 1 }
                let reschedule = Task { try await store.writeBooking(rescheduleWrite).event }
                try await eventually("the reschedule queued after it") { store.bookingWrites.statistics.queued == 2 }
                gate.open()
                _ = try await pilot.value
                let first = try await create.value
                let second = try await reschedule.value
                #expect(try #require(first.sequence) < #require(second.sequence))
            }

            #expect(commits.count == 2)
            #expect(try await store.booking(id: created.id) == rescheduled)
            let events = try await store.events(tenantID: "acme", bookingID: created.id, afterSequence: 0, limit: 10)
            #expect(events.map(\.type) == [.created, .rescheduled])
            let jobs = try await store.jobs(bookingID: created.id)
            #expect(jobs.filter { $0.status == .pending }.map(\.id).sorted() == [jobs.first { $0.kind == .confirmation }?.id ?? "", "job_new_reminder"].sorted())
            #expect(jobs.filter { $0.status == .cancelled }.count == 2)
        }
    }

    @Test func aFullDiskFailsTheWholeBatchAndLosesNothingAfterRecovery() async throws {
        try await withTemporaryStore { store, path in
            try await Fixture.createTenant(store)
            let kept = Fixture.booking(id: "bk_kept")
            try await Fixture.insert(kept, jobs: threeJobs(for: kept), into: store)
            let pages = try await store.database.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }

            // Far more than the free room in the file's pages: the batch runs out of space part way.
            let bookings = (0..<12).map { index in
                var booking = Fixture.booking(id: "bk_full\(index)")
                booking.customerName = String(repeating: "Ada Lovelace ", count: 40)
                return booking
            }
            // A pilot that fails on its own before writing anything, so it needs no room.
            var stale = kept
            stale.status = .cancelled
            var staleExpected = kept
            staleExpected.scheduleVersion = 9
            let pilotWrite = BookingWrite(booking: stale, expected: staleExpected, event: Fixture.event(.cancelled, for: stale))
            let outcomes = try await holdingTheWriter(store) { gate -> [Result<BookingEventRecord, any Error>] in
                let pilot = Task { try await store.writeBooking(pilotWrite) }
                try await eventually("the pilot committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                let tasks = bookings.map { booking in
                    Task { try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store) }
                }
                try await eventually("12 writes queued") { store.bookingWrites.statistics.queued == 12 }
                gate.open()
                #expect(storeError(await pilot.result) { if case .conflict = $0 { true } else { false } })
                var outcomes: [Result<BookingEventRecord, any Error>] = []
                for task in tasks { outcomes.append(await task.result) }
                return outcomes
            }

            #expect(store.bookingWrites.statistics.largestBatch == 12)
            for outcome in outcomes {
                #expect(storeError(outcome) {
                    if case .unavailable(let problem) = $0 { problem.cause == .diskFull && problem.path == path } else { false }
                })
            }
            let outage = try #require(store.health.current)
            #expect(outage.problem.cause == .diskFull)
            #expect(outage.failures == 12, "every refused write counted")
            for booking in bookings {
                #expect(try await store.booking(id: booking.id) == nil)
                #expect(try await store.jobs(bookingID: booking.id).isEmpty)
            }
            #expect(try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 100).count == 1)

            // Room again: the same writes, retried, all commit; what was stored before is intact.
            try await store.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for booking in bookings {
                    group.addTask { try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store) }
                }
                try await group.waitForAll()
            }
            #expect(store.health.isWritable)
            for booking in bookings {
                #expect(try await store.booking(id: booking.id) == booking)
                #expect(try await store.jobs(bookingID: booking.id).count == 3)
            }
            #expect(try await store.booking(id: kept.id) == kept)
            #expect(try await store.jobs(bookingID: kept.id).count == 3)
            #expect(try await store.events(tenantID: "acme", bookingID: nil, afterSequence: 0, limit: 100).count == 13)
        }
    }

    @Test func aCallerCancelledWhileQueuedIsDroppedAndItsBatchCommits() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let commits = try await CommitCounter.install(on: store)
            let (pilotBooking, first, dropped, last) = (
                Fixture.booking(id: "bk_pilot"), Fixture.booking(id: "bk_first"),
                Fixture.booking(id: "bk_dropped"), Fixture.booking(id: "bk_last"))

            try await holdingTheWriter(store) { gate in
                let pilot = Task { try await Fixture.insert(pilotBooking, jobs: threeJobs(for: pilotBooking), into: store) }
                try await eventually("the pilot committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                let tasks = [first, dropped, last].map { booking in
                    Task { try await Fixture.insert(booking, jobs: threeJobs(for: booking), into: store) }
                }
                try await eventually("three writes queued") { store.bookingWrites.statistics.queued == 3 }
                // One caller's deadline passes while its write is queued; the pilot's while its batch commits.
                tasks[1].cancel()
                pilot.cancel()
                #expect(await tasks[1].result.isCancellation)
                #expect(store.bookingWrites.statistics.queued == 2)
                gate.open()
                _ = try await pilot.value
                _ = try await tasks[0].value
                _ = try await tasks[2].value
            }

            #expect(commits.count == 2)
            for booking in [pilotBooking, first, last] {
                #expect(try await store.booking(id: booking.id) == booking)
                #expect(try await store.jobs(bookingID: booking.id).count == 3)
            }
            #expect(try await store.booking(id: dropped.id) == nil)
            #expect(try await store.jobs(bookingID: dropped.id).isEmpty)
        }
    }

    @Test func aBatchHoldsAtMostItsLimit() async throws {
        try await withTemporaryDirectory(prefix: "herald-store") { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("herald.db").path, bookingBatchSize: 4)
            try await Fixture.createTenant(store)
            let commits = try await CommitCounter.install(on: store)
            let bookings = (0..<11).map { Fixture.booking(id: "bk_\($0)") }
            try await holdingTheWriter(store) { gate in
                let pilot = Task { try await Fixture.insert(bookings[0], into: store) }
                try await eventually("the pilot committing") {
                    store.bookingWrites.statistics.isCommittingWithNothingQueued
                }
                let others = bookings.dropFirst().map { booking in Task { try await Fixture.insert(booking, into: store) } }
                try await eventually("ten writes queued") { store.bookingWrites.statistics.queued == 10 }
                gate.open()
                _ = try await pilot.value
                for task in others { _ = try await task.value }
            }
            // 1, then 4 + 4 + 2.
            #expect(commits.count == 4)
            #expect(store.bookingWrites.statistics == .init(batches: 4, writes: 11, largestBatch: 4))
            for booking in bookings { #expect(try await store.booking(id: booking.id) == booking) }
        }
    }
}

private func threeJobs(for booking: Booking) -> [NotificationJob] {
    [
        Fixture.job(for: booking, kind: .confirmation),
        Fixture.job(for: booking, kind: .reminder, offset: 1440),
        Fixture.job(for: booking, kind: .reminder, offset: 60),
    ]
}

/// Whether the outcome is a ``StoreError`` the predicate accepts.
private func storeError<T>(_ outcome: Result<T, any Error>?, _ matches: (StoreError) -> Bool) -> Bool {
    guard case .failure(let error as StoreError)? = outcome else { return false }
    return matches(error)
}

extension GroupCommit.Statistics {
    /// A batch is committing (held by the gate) and nothing else waits yet.
    fileprivate var isCommittingWithNothingQueued: Bool { committing && queued == 0 }
}

extension Result {
    fileprivate var isCancellation: Bool {
        if case .failure(let error) = self { error is CancellationError } else { false }
    }
}

/// Counts the transactions the database commits, from SQLite's commit hook.
private final class CommitCounter: TransactionObserver, Sendable {
    private let commits = Mutex(0)

    var count: Int { commits.withLock { $0 } }

    /// Registers a counter on the store's writer; it counts commits from now on.
    static func install(on store: SQLiteStore) async throws -> CommitCounter {
        let counter = CommitCounter()
        try await store.database.writeWithoutTransaction { db in
            db.add(transactionObserver: counter, extent: .databaseLifetime)
        }
        return counter
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}

/// Keeps GRDB's writer busy until opened, so the booking writes made meanwhile queue up.
private final class WriterGate: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let state = Mutex((holding: false, opened: false))

    var isHolding: Bool { state.withLock { $0.holding } }

    fileprivate func hold() {
        state.withLock { $0.holding = true }
        released.wait()
    }

    func open() {
        let first = state.withLock { state in
            defer { state.opened = true }
            return !state.opened
        }
        if first { released.signal() }
    }
}

/// Runs `body` while the store's writer is held by a ``WriterGate`` that `body` opens
/// (and that is opened in any case when `body` ends, so a failing test cannot hang).
private func holdingTheWriter<T>(_ store: SQLiteStore, _ body: (WriterGate) async throws -> T) async throws -> T {
    let gate = WriterGate()
    defer { gate.open() }
    store.database.asyncWriteWithoutTransaction { _ in gate.hold() }
    try await eventually("the writer held") { gate.isHolding }
    return try await body(gate)
}
