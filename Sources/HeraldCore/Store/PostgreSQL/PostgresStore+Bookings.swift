import Foundation
import Logging
import PostgresNIO

// Booking writes on PostgreSQL: group-committed like SQLite's (one transaction per
// batch, a savepoint per write), through the same ``GroupCommit`` queue.
//
// Event sequences must increase in commit order (``AdminStore/events``: a reader
// resumes after the last sequence it saw). An identity column alone does not give
// that with several writers: a transaction that took sequence 6 may commit before
// the one that took 5, and a reader that saw 6 would never see 5. So each batch
// takes one transaction-scoped advisory lock before it writes, held until it commits:
// booking batches of all cores commit one at a time, in sequence order. (The
// dispatcher's transactions do not take it: ReminderLog ids promise no order.)
extension PostgresStore {
    /// Any constant will do; the same for every core.
    static let bookingWriteLock: Int64 = 0x4865_7261_6C64_4231 // "HeraldB1"

    typealias BookingOutcome = Result<WrittenBooking, any Error>

    @discardableResult
    public func writeBooking(_ write: BookingWrite) async throws -> WrittenBooking {
        let booking = write.booking
        guard write.event.bookingID == booking.id, write.event.tenantID == booking.tenantID else {
            throw StoreError.conflict("event \(write.event.id) does not describe booking \(booking.id)")
        }
        return try await bookingWrites.submit(write)
    }

    static func bookingWriteQueue(
        client: PostgresClient, location: PostgresLocation, coreID: String, connectTimeout: Duration,
        health: StoreHealth, logger: Logger, batchSize: Int
    ) -> GroupCommit<BookingWrite, WrittenBooking> {
        GroupCommit(maxBatchSize: batchSize) { writes, answer in
            // A task of its own, tied to no caller: a caller cancelled meanwhile cannot
            // interrupt the batch.
            Task {
                answer(await commitBookingBatch(
                    writes, client: client, location: location, coreID: coreID, connectTimeout: connectTimeout,
                    health: health, logger: logger))
            }
        }
    }

    /// Writes `writes` in order in one transaction, each in its own savepoint; one
    /// outcome per write. A write that fails on its own rolls back alone with its own
    /// error; an unreachable or refusing database fails the whole batch, nothing stored.
    static func commitBookingBatch(
        _ writes: [BookingWrite], client: PostgresClient, location: PostgresLocation, coreID: String,
        connectTimeout: Duration, health: StoreHealth, logger: Logger
    ) async -> [BookingOutcome] {
        do {
            let outcomes = try await withConnection(client, waiting: connectTimeout) { connection in
                // New bookings alone (the common case: a booking app creating them) go in
                // with one statement per table for the whole batch. Should any of them
                // fail (a taken id, an unknown tenant), that transaction is rolled back and
                // the batch is written again one savepoint per write, to find out which.
                if writes.allSatisfy(\.isPlainInsert) {
                    do {
                        return try await connection.transaction(logger) { connection in
                            try await connection.run("SELECT pg_advisory_xact_lock(\(bookingWriteLock))", logger)
                            let written = try await insertAll(writes, connection, logger)
                            try await notifyJobs(
                                channels: Set(writes.flatMap { $0.newJobs.map(\.channel) }), from: coreID, connection, logger)
                            return written.map { BookingOutcome.success($0) }
                        }
                    } catch let error as PSQLError where error.sqlState?.hasPrefix("23") == true {
                        // A constraint: find the write that broke it below.
                    }
                }
                return try await connection.transaction(logger) { connection -> [BookingOutcome] in
                    try await connection.run("SELECT pg_advisory_xact_lock(\(bookingWriteLock))", logger)
                    var outcomes: [BookingOutcome] = []
                    // A savepoint isolates one write's failure from the others; alone, the
                    // transaction does.
                    let savepoints = writes.count > 1
                    for write in writes {
                        if savepoints { try await connection.run("SAVEPOINT booking_write", logger) }
                        do {
                            outcomes.append(.success(try await apply(write, connection, logger)))
                            if savepoints { try await connection.run("RELEASE SAVEPOINT booking_write", logger) }
                        } catch {
                            let failure = storeError(error, location: location)
                            if case .unavailable = failure { throw failure }
                            guard savepoints else { throw failure }
                            try await connection.run("ROLLBACK TO SAVEPOINT booking_write", logger)
                            outcomes.append(.failure(failure))
                        }
                    }
                    // Cores whose workers can take the new jobs hear of them at commit.
                    var channels = Set<String>()
                    for case let (write, .success) in zip(writes, outcomes) {
                        channels.formUnion(write.newJobs.map(\.channel))
                    }
                    try await notifyJobs(channels: channels, from: coreID, connection, logger)
                    return outcomes
                }
            }
            health.writeSucceeded()
            return outcomes
        } catch {
            let failure = storeError(error, location: location)
            if case .unavailable(let problem) = failure { health.writeFailed(problem) }
            return Array(repeating: .failure(failure), count: writes.count)
        }
    }

    /// New bookings with their jobs and events, none cancelling or logging anything:
    /// one INSERT per table for them all. Any constraint error fails the whole call.
    static func insertAll(
        _ writes: [BookingWrite], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [WrittenBooking] {
        let bookings = try PostgresBatch.json(writes.map { PostgresBatch.BookingRow($0.booking) })
        try await connection.run("""
            INSERT INTO bookings (id, tenant_id, event_type_id, customer_name, customer_email, customer_phone, start_at,
                end_at, status, schedule_version, created_at, updated_at, asked_to_confirm, confirm_by)
            SELECT id, tenant_id, event_type_id, customer_name, customer_email, customer_phone,
                \(unescaped: PostgresBatch.timestamp("start_ms")), \(unescaped: PostgresBatch.timestamp("end_ms")), status,
                schedule_version, \(unescaped: PostgresBatch.timestamp("created_ms")),
                \(unescaped: PostgresBatch.timestamp("updated_ms")), asked_to_confirm,
                \(unescaped: PostgresBatch.timestamp("confirm_by_ms"))
            FROM jsonb_to_recordset(\(bookings)::jsonb) AS b(id text, tenant_id text, event_type_id text, customer_name text,
                customer_email text, customer_phone text, start_ms bigint, end_ms bigint, status text,
                schedule_version bigint, created_ms bigint, updated_ms bigint, asked_to_confirm boolean, confirm_by_ms bigint)
            """, logger)
        let jobs = writes.flatMap(\.newJobs)
        if !jobs.isEmpty {
            let rows = try PostgresBatch.json(jobs.enumerated().map { PostgresBatch.JobRow($1, position: $0) })
            try await connection.run("""
                INSERT INTO notification_jobs (id, tenant_id, booking_id, kind, channel, provider, fallback_provider,
                    recipient, reminder_offset_minutes, schedule_version, event_id, subscription_id, team_destination_id,
                    due_at, not_after, status, attempt, leased_to, lease_expires_at, last_error, created_at, updated_at,
                    account)
                SELECT id, tenant_id, booking_id, kind, channel, provider, fallback_provider, recipient,
                    reminder_offset_minutes, schedule_version, event_id, subscription_id, team_destination_id,
                    \(unescaped: PostgresBatch.timestamp("due_ms")), \(unescaped: PostgresBatch.timestamp("not_after_ms")),
                    status, attempt, leased_to, \(unescaped: PostgresBatch.timestamp("lease_expires_ms")), last_error,
                    \(unescaped: PostgresBatch.timestamp("created_ms")), \(unescaped: PostgresBatch.timestamp("updated_ms")),
                    account
                FROM jsonb_to_recordset(\(rows)::jsonb) AS j(id text, tenant_id text, booking_id text, kind text,
                    channel text, provider text, fallback_provider text, recipient text, reminder_offset_minutes bigint,
                    schedule_version bigint, event_id text, subscription_id text, team_destination_id text, due_ms bigint,
                    not_after_ms bigint, status text, attempt bigint, leased_to text, lease_expires_ms bigint,
                    last_error text, created_ms bigint, updated_ms bigint, account text, position bigint)
                ORDER BY position
                """, logger)
        }
        let events = try PostgresBatch.json(try writes.enumerated().map { try PostgresBatch.EventRow($1.event, position: $0) })
        var sequences: [String: Int64] = [:]
        for row in try await connection.rows("""
            INSERT INTO booking_events (id, type, tenant_id, booking_id, occurred_at, booking, previous_start_at,
                previous_end_at, previous_status)
            SELECT id, type, tenant_id, booking_id, \(unescaped: PostgresBatch.timestamp("occurred_ms")), booking,
                \(unescaped: PostgresBatch.timestamp("previous_start_ms")),
                \(unescaped: PostgresBatch.timestamp("previous_end_ms")), previous_status
            FROM jsonb_to_recordset(\(events)::jsonb) AS e(id text, type text, tenant_id text, booking_id text,
                occurred_ms bigint, booking text, previous_start_ms bigint, previous_end_ms bigint, previous_status text,
                position bigint)
            ORDER BY position
            RETURNING id, sequence
            """, logger) {
            let (id, sequence) = try row.decode((String, Int64).self)
            sequences[id] = sequence
        }
        return writes.map { write in
            var event = write.event
            event.sequence = sequences[event.id]
            return WrittenBooking(event: event, logged: [])
        }
    }

    /// One booking change, in the caller's transaction (steps as ``AdminStore/writeBooking(_:)`` lists them).
    static func apply(_ write: BookingWrite, _ connection: PostgresConnection, _ logger: Logger) async throws -> WrittenBooking {
        let booking = write.booking
        let missingParent = { (constraint: String) -> StoreError in
            constraint.contains("event_type")
                ? .notFound(entity: StoreEntity.eventType, id: booking.eventTypeID ?? "")
                : .notFound(entity: StoreEntity.tenant, id: booking.tenantID)
        }
        if let expected = write.expected {
            try await updateBooking(booking, expected: expected, connection, logger, missingParent: missingParent)
        } else {
            try await naming(entity: StoreEntity.booking, id: booking.id, missingParent: missingParent) {
                try await connection.run(PostgresInsert.booking(booking), logger)
            }
        }

        var logged: [ReminderLogEntry] = []
        if let cancellation = write.cancelPendingJobs {
            logged = try await cancelOpenJobs(of: booking.id, cancellation, at: write.event.occurredAt, connection, logger)
        }
        for job in write.newJobs {
            try await naming(entity: StoreEntity.job, id: job.id) {
                try await connection.run(PostgresInsert.job(job), logger)
            }
        }
        for entry in write.newLogEntries {
            guard entry.bookingID == booking.id, entry.tenantID == booking.tenantID else {
                throw StoreError.conflict("log entry for job \(entry.jobID) does not describe booking \(booking.id)")
            }
            guard let stored = try await append(entry, connection, logger) else {
                throw StoreError.alreadyExists(entity: StoreEntity.reminderLog, id: entry.jobID)
            }
            logged.append(stored)
        }
        var event = write.event
        let insertEvent = try PostgresInsert.event(event)
        event.sequence = try await naming(entity: StoreEntity.event, id: event.id) {
            try await connection.rows(insertEvent, logger).first?.decode(Int64.self)
        }
        return WrittenBooking(event: event, logged: logged)
    }

    /// Replaces the stored booking if it is still the one the caller read (its row
    /// locked until commit, so two cores cannot both pass the check).
    private static func updateBooking(
        _ booking: Booking, expected: Booking, _ connection: PostgresConnection, _ logger: Logger,
        missingParent: @escaping (String) -> StoreError
    ) async throws {
        guard booking.id == expected.id else {
            throw StoreError.conflict("booking \(booking.id) written with the expected state of \(expected.id)")
        }
        guard let stored: Booking = try await connection.one(
            "SELECT * FROM bookings WHERE id = \(booking.id) FOR UPDATE", logger),
            stored.tenantID == booking.tenantID
        else { throw StoreError.notFound(entity: StoreEntity.booking, id: booking.id) }
        guard stored.scheduleVersion == expected.scheduleVersion, stored.status == expected.status,
              stored.updatedAt == PostgresDate.stored(expected.updatedAt)
        else {
            throw StoreError.conflict(
                "booking \(booking.id) changed since it was read "
                    + "(now \(stored.status.rawValue), schedule version \(stored.scheduleVersion))")
        }
        try await naming(entity: StoreEntity.booking, id: booking.id, missingParent: missingParent) {
            try await connection.run(PostgresInsert.updateBooking(booking), logger)
        }
    }

    /// Cancels the booking's pending and leased jobs of the chosen kinds, logging each.
    private static func cancelOpenJobs(
        of bookingID: String, _ cancellation: JobCancellation, at now: Date, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [ReminderLogEntry] {
        var kinds: [String]?
        if case let .kinds(chosen, _) = cancellation { kinds = chosen.map(\.rawValue).sorted() }
        let jobs: [NotificationJob] = try await connection.all("""
            SELECT * FROM notification_jobs
            WHERE booking_id = \(bookingID) AND status IN ('pending', 'leased')
              AND (\(kinds)::text[] IS NULL OR kind = ANY(\(kinds)::text[]))
            ORDER BY seq
            FOR UPDATE
            """, logger)
        guard !jobs.isEmpty else { return [] }
        try await connection.run("""
            UPDATE notification_jobs
            SET status = 'cancelled', leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                last_error = \(cancellation.reason), updated_at = \(now.postgres)
            WHERE id = ANY(\(jobs.map(\.id)))
            """, logger)
        var logged: [ReminderLogEntry] = []
        for job in jobs {
            let entry = ReminderLogEntry(job: job, outcome: .cancelled, error: cancellation.reason, loggedAt: now)
            if let stored = try await append(entry, connection, logger) { logged.append(stored) }
        }
        return logged
    }

    /// Appends a ReminderLog row; returns it as stored, or nil when it is a second
    /// `sent` row for its notification (the first stays, nothing is written).
    static func append(
        _ entry: ReminderLogEntry, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> ReminderLogEntry? {
        guard let id = try await connection.rows(PostgresInsert.log(entry), logger).first?.decode(Int64.self) else {
            return nil
        }
        var stored = entry
        stored.id = id
        stored.loggedAt = PostgresDate.stored(entry.loggedAt)
        return stored
    }
}

extension BookingWrite {
    /// A new booking that cancels and logs nothing: what ``PostgresStore/insertAll`` writes.
    var isPlainInsert: Bool { expected == nil && cancelPendingJobs == nil && newLogEntries.isEmpty }
}
