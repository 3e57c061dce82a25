import Foundation
import GRDB

// The dispatcher's operations on SQLite.
//
// Hot paths use cached prepared statements with constant SQL: lists of ids go in as
// one JSON array parameter (`IN (SELECT value FROM json_each(?))`), so the SQL does
// not vary with the batch size. Queue queries name the literal status of the partial
// indexes of the "v2-dispatch" migration, so they walk only pending (or leased) jobs,
// never the history.
extension SQLiteStore {
    // The queue queries, public for plan tests and diagnostics (`EXPLAIN QUERY PLAN`).

    /// Arguments: channel, now, provider, provider, present providers as a JSON array, limit.
    public static let leaseCandidatesSQL = """
        SELECT * FROM notification_jobs
        WHERE status = 'pending' AND channel = ? AND due_at <= ?
          AND (provider IS NULL OR provider = ?
               OR (fallback_provider = ? AND provider NOT IN (SELECT value FROM json_each(?))))
        ORDER BY due_at, rowid
        LIMIT ?
        """

    /// Arguments: channel, after (a date, or a date before any job to mean "any").
    public static let nextDueSQL = """
        SELECT due_at FROM notification_jobs
        WHERE status = 'pending' AND channel = ? AND due_at > ?
        ORDER BY due_at
        LIMIT 1
        """

    /// No arguments.
    public static let nextLeaseExpirySQL = """
        SELECT lease_expires_at FROM notification_jobs
        WHERE status = 'leased' AND lease_expires_at IS NOT NULL
        ORDER BY lease_expires_at
        LIMIT 1
        """

    /// How many candidates one lease call examines at most, as a multiple of its limit
    /// (cancelled and missed candidates do not count toward the limit).
    static let leaseExaminedFactor = 4

    // MARK: Leasing

    public func leaseDueJobs(
        _ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> LeaseBatch {
        guard query.limit > 0 else { return LeaseBatch() }
        return try await write { db in
            let present = try jsonArray(query.presentProviders.sorted())
            // Formatting a date is costly (a DateFormatter): do it once per call, not per row.
            let now = query.now.databaseValue
            let leaseUntil = query.leaseUntil.databaseValue
            // The dates as stored (milliseconds), so returned jobs equal the stored ones.
            let storedNow = Date.fromDatabaseValue(now) ?? query.now
            let storedLeaseUntil = Date.fromDatabaseValue(leaseUntil) ?? query.leaseUntil
            let select = try db.cachedStatement(sql: Self.leaseCandidatesSQL)
            let markLeased = try db.cachedStatement(sql: """
                UPDATE notification_jobs
                SET status = 'leased', attempt = attempt + 1, leased_to = ?, lease_expires_at = ?, updated_at = ?
                WHERE id = ?
                """)
            var batch = LeaseBatch()
            var examined = 0
            let maxExamined = query.limit * Self.leaseExaminedFactor
            while batch.leased.count < query.limit, examined < maxExamined {
                // Jobs handled in an earlier round are no longer pending, so the same
                // query yields the next ones.
                let wanted = min(query.limit - batch.leased.count, maxExamined - examined)
                let jobs = try NotificationJobRow.fetchAll(select, arguments: [
                    query.channel, now, query.provider, query.provider, present, wanted,
                ]).map(\.model)
                examined += jobs.count
                if jobs.isEmpty { break }

                let bookingsByID = try Self.byID(Booking.self, Set(jobs.map(\.bookingID)), id: \.id, db)

                let subscriptionsByID = try Self.byID(
                    WebhookSubscription.self, Set(jobs.compactMap(\.subscriptionID)), id: \.id, db)
                let teamDestinationsByID = try Self.byID(
                    TeamDestination.self, Set(jobs.compactMap(\.teamDestinationID)), id: \.id, db)

                var eventsByID: [String: BookingEventRecord] = [:]
                let eventIDs = Set(jobs.map(\.eventID).filter { !$0.isEmpty })
                if !eventIDs.isEmpty {
                    eventsByID = try Self.byID(BookingEventRecord.self, eventIDs, id: \.id, db)
                }

                for job in jobs {
                    let candidate = LeaseCandidate(
                        job: job,
                        booking: bookingsByID[job.bookingID],
                        subscription: job.subscriptionID.flatMap { subscriptionsByID[$0] },
                        teamDestination: job.teamDestinationID.flatMap { teamDestinationsByID[$0] },
                        event: job.eventID.isEmpty ? nil : eventsByID[job.eventID])
                    var decision = decide(candidate)
                    if decision == .lease, candidate.booking == nil {
                        decision = .cancel(reason: "booking \(job.bookingID) no longer exists")
                    }
                    switch decision {
                    case .lease:
                        try markLeased.execute(arguments: [query.leasedTo, leaseUntil, now, job.id])
                        var leasedJob = job
                        leasedJob.status = .leased
                        leasedJob.attempt += 1
                        leasedJob.leasedTo = query.leasedTo
                        leasedJob.leaseExpiresAt = storedLeaseUntil
                        leasedJob.updatedAt = storedNow
                        batch.leased.append(LeasedJob(
                            job: leasedJob, booking: candidate.booking!,
                            subscription: candidate.subscription, event: candidate.event))
                    case let .cancel(reason):
                        try Self.setFinalStatus(of: job.id, .cancelled, lastError: reason, at: now, db)
                        try Self.insertLog(job, .cancelled, provider: job.provider ?? "", error: reason, at: now, db)
                        batch.cancelled += 1
                    case let .miss(reason):
                        try Self.setFinalStatus(of: job.id, .missed, lastError: reason, at: now, db)
                        try Self.insertLog(job, .missed, provider: job.provider ?? "", error: reason, at: now, db)
                        batch.missed += 1
                    }
                }
                if jobs.count < wanted { break } // nothing more is due
            }
            return batch
        }
    }

    /// The stored values of `Model`'s table with these ids, by id; no query when there are none.
    private static func byID<Model: StoredInTable>(
        _: Model.Type, _ ids: Set<String>, id: KeyPath<Model, String>, _ db: Database
    ) throws -> [String: Model] {
        guard !ids.isEmpty else { return [:] }
        let values = try Model.Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM \(Model.Row.databaseTableName) WHERE id IN (SELECT value FROM json_each(?))"),
            arguments: [jsonArray(ids.sorted())]
        ).map(\.model)
        return Dictionary(values.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Ends an open job (`now` is a date's database value).
    private static func setFinalStatus(
        of jobID: String, _ status: JobStatus, lastError: String?, at now: DatabaseValue, _ db: Database
    ) throws {
        try db.cachedStatement(sql: """
            UPDATE notification_jobs
            SET status = ?, leased_to = NULL, lease_expires_at = NULL, last_error = ?, updated_at = ?
            WHERE id = ?
            """).execute(arguments: [status, lastError, now, jobID])
    }

    /// Appends the ReminderLog row of a job's outcome, as `ReminderLogEntry(job:...)` would
    /// (attempts = the job's attempt), through one cached statement.
    private static func insertLog(
        _ job: NotificationJob, _ outcome: LogOutcome, provider: String,
        providerMessageID: String? = nil, error: String?, at loggedAt: DatabaseValue, _ db: Database
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO reminder_log (job_id, tenant_id, booking_id, channel, provider, kind,
                reminder_offset_minutes, schedule_version, recipient, event_id, outcome, attempts,
                provider_message_id, error, logged_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                job.id, job.tenantID, job.bookingID, job.channel, provider, job.kind,
                job.reminderOffsetMinutes, job.scheduleVersion, job.recipient, job.eventID, outcome, job.attempt,
                providerMessageID, error, loggedAt,
            ])
    }

    // MARK: Results

    public func applyResults(_ results: [JobResult]) async throws -> [ResultDisposition] {
        guard !results.isEmpty else { return [] }
        return try await write { db in
            // All the jobs in one lookup; `jobs` then follows this batch's own changes,
            // so a second result for the same job sees the first one applied.
            var jobs: [String: NotificationJob] = [:]
            for row in try NotificationJobRow.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM notification_jobs WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [jsonArray(Set(results.map(\.jobID)).sorted())])
            {
                jobs[row.id] = row.model
            }
            let retry = try db.cachedStatement(sql: """
                UPDATE notification_jobs
                SET status = 'pending', due_at = ?, provider = ?, fallback_provider = ?, last_error = ?,
                    leased_to = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ?
                """)
            var dates = DateValues()
            var dispositions: [ResultDisposition] = []
            dispositions.reserveCapacity(results.count)
            for result in results {
                guard var job = jobs[result.jobID] else {
                    dispositions.append(.ignored(reason: "unknown delivery"))
                    continue
                }
                if job.status == .sent {
                    dispositions.append(.ignored(reason: "already sent"))
                    continue
                }
                if result.attempt < job.attempt {
                    dispositions.append(.ignored(reason: "superseded by attempt \(job.attempt)"))
                    continue
                }
                if result.attempt > job.attempt {
                    dispositions.append(.ignored(reason: "unknown attempt \(result.attempt)"))
                    continue
                }
                // A final answer for the current attempt counts even when the lease
                // was already given back (the worker was thought dead, or the core
                // restarted) as long as no newer attempt was handed out: recording
                // it is what keeps the job from being sent a second time.
                let isFinal: Bool = if case .retry = result.resolution { false } else { true }
                guard job.status == .leased || (job.status == .pending && isFinal) else {
                    dispositions.append(.ignored(reason: "not leased (\(job.status.rawValue))"))
                    continue
                }
                let at = dates.value(of: result.at)
                job.leasedTo = nil
                job.leaseExpiresAt = nil
                job.updatedAt = result.at
                switch result.resolution {
                case let .sent(provider, providerMessageID):
                    try Self.setFinalStatus(of: job.id, .sent, lastError: job.lastError, at: at, db)
                    job.status = .sent
                    do {
                        try Self.insertLog(
                            job, .sent, provider: provider, providerMessageID: providerMessageID,
                            error: nil, at: at, db)
                    } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                        // Another job of the same notification was already logged sent: keep
                        // that one row (only this statement was undone), this job is sent too.
                    }
                case let .failed(provider, error, recipientGone):
                    try Self.setFinalStatus(of: job.id, .failed, lastError: error, at: at, db)
                    job.status = .failed
                    job.lastError = error
                    try Self.insertLog(job, .failed, provider: provider, error: error, at: at, db)
                    // Its other pending deliveries are cancelled at send time.
                    if recipientGone, let subscriptionID = job.subscriptionID {
                        try db.execute(
                            sql: "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ? WHERE id = ?",
                            arguments: ["the endpoint answered: \(error)", subscriptionID])
                    }
                    if recipientGone, let teamDestinationID = job.teamDestinationID {
                        try db.execute(
                            sql: "UPDATE team_destinations SET enabled = 0, disabled_reason = ? WHERE id = ?",
                            arguments: ["the \(job.channel) channel said the recipient is gone: \(error)", teamDestinationID])
                    }
                case let .retry(dueAt, _, error, switchToFallback):
                    if switchToFallback, let fallbackProvider = job.fallbackProvider {
                        (job.provider, job.fallbackProvider) = (fallbackProvider, job.provider)
                    }
                    job.status = .pending
                    job.dueAt = dueAt
                    job.lastError = error
                    try retry.execute(arguments: [
                        dates.value(of: dueAt), job.provider, job.fallbackProvider, error, at, job.id,
                    ])
                }
                jobs[job.id] = job
                dispositions.append(.applied)
            }
            return dispositions
        }
    }

    // MARK: Leases

    // Giving a lease back keeps the job's due time: it was due then and still is
    // (a leased job is always due), and the send-time check measures lateness from
    // it, so a reminder that outlived its grace while a worker held it is missed.

    public func releaseLeases(jobIDs: [String], now: Date) async throws -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        return try await write { db in
            try db.cachedStatement(sql: """
                UPDATE notification_jobs
                SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE status = 'leased' AND id IN (SELECT value FROM json_each(?))
                """).execute(arguments: [now, jsonArray(jobIDs)])
            return db.changesCount
        }
    }

    public func expireLeases(now: Date) async throws -> Int {
        try await write { db in
            try db.cachedStatement(sql: """
                UPDATE notification_jobs
                SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE status = 'leased' AND lease_expires_at <= ?
                """).execute(arguments: [now, now])
            return db.changesCount
        }
    }

    public func releaseAllLeases(now: Date) async throws -> Int {
        try await write { db in
            try db.cachedStatement(sql: """
                UPDATE notification_jobs
                SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE status = 'leased'
                """).execute(arguments: [now])
            return db.changesCount
        }
    }

    // MARK: Timing and visibility

    public func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        guard !channels.isEmpty else { return nil }
        let floor = (after ?? .distantPast).databaseValue
        return try await read { db in
            // One index probe per channel: `channel IN (...) ORDER BY due_at` would sort
            // every pending job of those channels.
            let statement = try db.cachedStatement(sql: Self.nextDueSQL)
            var earliest: Date?
            for channel in channels {
                if let due = try Date.fetchOne(statement, arguments: [channel, floor]), earliest.map({ due < $0 }) ?? true {
                    earliest = due
                }
            }
            return earliest
        }
    }

    public func nextLeaseExpiry() async throws -> Date? {
        try await read { db in
            try Date.fetchOne(db.cachedStatement(sql: Self.nextLeaseExpirySQL))
        }
    }

    public func queueStats(now: Date) async throws -> [ChannelQueueStats] {
        try await read { db in
            var stats: [String: ChannelQueueStats] = [:]
            // A covering scan of the pending index, already grouped by channel.
            let pending = try Row.fetchAll(db, sql: """
                SELECT channel, SUM(due_at <= ?) AS due_now, SUM(due_at > ?) AS scheduled
                FROM notification_jobs WHERE status = 'pending'
                GROUP BY channel
                """, arguments: [now, now])
            for row in pending {
                let channel: String = row["channel"]
                stats[channel] = ChannelQueueStats(
                    channel: channel, dueNow: row["due_now"], scheduled: row["scheduled"], leased: 0)
            }
            let leased = try Row.fetchAll(db, sql: """
                SELECT channel, COUNT(*) AS leased
                FROM notification_jobs WHERE status = 'leased'
                GROUP BY channel
                """)
            for row in leased {
                let channel: String = row["channel"]
                stats[channel, default: ChannelQueueStats(channel: channel, dueNow: 0, scheduled: 0, leased: 0)]
                    .leased = row["leased"]
            }
            return stats.values.sorted { $0.channel < $1.channel }
        }
    }
}

/// Database values of dates, formatted once each: a batch's results mostly share a few times.
private struct DateValues {
    private var last: (Date, DatabaseValue)?

    mutating func value(of date: Date) -> DatabaseValue {
        if let last, last.0 == date { return last.1 }
        let value = date.databaseValue
        last = (date, value)
        return value
    }
}

/// A JSON array of strings, for `IN (SELECT value FROM json_each(?))`.
private func jsonArray(_ values: [String]) throws -> String {
    try JSONColumn.encode(values)
}
