import GRDB

// Booking writes are group-committed: the ``GroupCommit`` queue gathers the
// ``SQLiteStore/writeBooking(_:)`` calls that arrive while a batch commits, and each
// batch is one transaction on GRDB's writer, with a savepoint per booking write. So
// 32 clients creating bookings pay for a few commits, not 32, and each booking's rows
// (booking, cancelled jobs, new jobs, log rows, event) still stand or fall together.
extension SQLiteStore {
    typealias BookingOutcome = Result<WrittenBooking, any Error>

    static func bookingWriteQueue(
        database: any DatabaseWriter, health: StoreHealth, batchSize: Int
    ) -> GroupCommit<BookingWrite, WrittenBooking> {
        let path = database.path
        return GroupCommit(maxBatchSize: batchSize) { writes, answer in
            // A callback on the writer, tied to no caller's task: a caller cancelled
            // meanwhile cannot interrupt the batch's statements.
            database.asyncWriteWithoutTransaction { db in
                answer(commitBookingBatch(writes, db, path: path, health: health))
            }
        }
    }

    /// Writes `writes` in order in one transaction, each in its own savepoint, and
    /// returns one outcome per write.
    ///
    /// - A write that fails on its own (a taken id, a stale `expected`, a missing parent)
    ///   rolls back to its savepoint and gets its own ``StoreError``; the others commit.
    /// - A refusal of the disk (``StoreError/unavailable(_:)``: full, read-only, I/O
    ///   error), a failed commit, or any error after which SQLite has ended the
    ///   transaction, rolls the whole batch back: every write that had not already
    ///   failed on its own gets that error, and nothing of the batch is stored.
    static func commitBookingBatch(
        _ writes: [BookingWrite], _ db: Database, path: String, health: StoreHealth
    ) -> [BookingOutcome] {
        var outcomes: [BookingOutcome] = []
        outcomes.reserveCapacity(writes.count)

        /// Ends the batch with nothing stored.
        func abandon(_ error: any Error) -> [BookingOutcome] {
            if db.isInsideTransaction { try? db.rollback() }
            let failure = storeError(error, path: path)
            var refused = 0
            var all = outcomes.map { outcome -> BookingOutcome in
                guard case .success = outcome else { return outcome }
                refused += 1
                return .failure(failure)
            }
            refused += writes.count - all.count
            all += repeatElement(.failure(failure), count: writes.count - all.count)
            if case .unavailable(let problem) = failure {
                for _ in 0..<refused { health.writeFailed(problem) }
            }
            return all
        }

        do {
            try db.beginTransaction(.immediate)
        } catch {
            return abandon(error)
        }
        for write in writes {
            do {
                outcomes.append(.success(try inSavepoint(db) { try apply(write, db) }))
            } catch {
                let failure = storeError(error, path: path)
                if case .unavailable = failure { return abandon(failure) }
                // SQLite rolls back the whole transaction after some errors (out of
                // memory, busy); the batch's earlier writes went with it.
                guard db.isInsideTransaction else { return abandon(failure) }
                outcomes.append(.failure(failure))
            }
        }
        do {
            try db.commit()
        } catch {
            return abandon(error)
        }
        if outcomes.contains(where: { if case .success = $0 { true } else { false } }) {
            health.writeSucceeded()
        }
        return outcomes
    }

    /// Runs `body` in a savepoint of the batch's transaction, as `Database.inSavepoint`
    /// does, but through cached statements: `inSavepoint` prepares its SAVEPOINT and
    /// RELEASE anew on every call, which in a profile of ingest cost more than
    /// inserting the booking. A write that throws is rolled back to its savepoint, so
    /// the batch goes on without it (unless SQLite ended the transaction: the caller checks).
    private static func inSavepoint<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT booking_write").execute()
        let value: T
        do {
            value = try body()
        } catch {
            if db.isInsideTransaction {
                try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT booking_write").execute()
                try? db.cachedStatement(sql: "RELEASE SAVEPOINT booking_write").execute()
            }
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT booking_write").execute()
        return value
    }
}
