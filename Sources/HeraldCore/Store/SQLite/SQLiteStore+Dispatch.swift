import Foundation
import GRDB

// The dispatcher's operations on SQLite.
//
// SQL is written with GRDB's SQL interpolation (values as `\(value)`, bound as
// arguments), and hot statements are cached prepared statements
// (`cachedStatement(literal:)`, `SQLRequest(literal:cached:)`). For the cache to hold,
// a statement's text must not vary with its values: lists of ids go in as one JSON
// array value (`IN (SELECT value FROM json_each(\(ids)))`), never as `IN \(ids)`.
// (A nil value is written as NULL, so a statement with optional values has at most a
// few cached variants.) Statements run once per row of a batch (a result's job update
// and log row) have constant SQL with named arguments (`:id`) instead: building a
// literal costs more than the statement it builds (measured with callgrind), and a
// name still ties each value to its column. Queue queries name the literal status of
// the partial indexes of the "v2-dispatch" migration, so they walk only pending (or
// leased) jobs, never the history.
extension SQLiteStore {
    /// Pending jobs of `channel` due by `now` that a worker of `provider` may take,
    /// oldest first: jobs of no provider or of `provider`, and those whose fallback is
    /// `provider` when their own provider is not among `presentProviders` (a JSON array),
    /// and only of the worker's `accounts` (a JSON array; "" is the default account).
    static func leaseCandidates(
        channel: String, now: DatabaseValue, provider: String, presentProviders: String, accounts: String, limit: Int
    ) -> SQL {
        """
        SELECT * FROM notification_jobs
        WHERE status = 'pending' AND channel = \(channel) AND due_at <= \(now)
          AND (provider IS NULL OR provider = \(provider)
               OR (fallback_provider = \(provider)
                   AND provider NOT IN (SELECT value FROM json_each(\(presentProviders)))))
          AND account IN (SELECT value FROM json_each(\(accounts)))
        ORDER BY due_at, rowid
        LIMIT \(limit)
        """
    }

    /// The earliest due time of `channel`'s pending jobs after `after`.
    static func nextDue(channel: String, after: DatabaseValue) -> SQL {
        """
        SELECT due_at FROM notification_jobs
        WHERE status = 'pending' AND channel = \(channel) AND due_at > \(after)
        ORDER BY due_at
        LIMIT 1
        """
    }

    // The queue queries' text, public for plan tests and diagnostics (`EXPLAIN QUERY PLAN`).

    /// ``leaseCandidates(channel:now:provider:presentProviders:limit:)``. Arguments: channel,
    /// now, provider, provider, present providers as a JSON array, limit.
    public static let leaseCandidatesSQL = text(of: leaseCandidates(
        channel: "", now: "".databaseValue, provider: "", presentProviders: "", accounts: "", limit: 0))

    /// ``nextDue(channel:after:)``. Arguments: channel, after (a date, or a date before
    /// any job to mean "any").
    public static let nextDueSQL = text(of: nextDue(channel: "", after: "".databaseValue))

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
        let cache = tenantContexts
        return try await write { db in try Self.lease(query, cache: cache, decide: decide, db) }
    }

    static func lease(
        _ query: LeaseQuery, cache: TenantContextCache, decide: (LeaseCandidate) -> LeaseDecision, _ db: Database
    ) throws -> LeaseBatch {
        guard query.limit > 0 else { return LeaseBatch() }
        let present = try jsonArray(query.presentProviders.sorted())
        var budget = LeaseBudget(query)
        // Formatting a date is costly (a DateFormatter): do it once per call, not per row.
        let stored = StoredDate(query.now)
        let now = stored.value
        let leaseUntil = DatabaseDate.text(query.leaseUntil).databaseValue
        // The dates as stored (milliseconds), so returned jobs equal the stored ones.
        let storedNow = stored.date
        let storedLeaseUntil = Date.fromDatabaseValue(leaseUntil) ?? query.leaseUntil
        var batch = LeaseBatch()
        var examined = 0
        let maxExamined = query.limit * Self.leaseExaminedFactor
        while batch.leased.count < query.limit, examined < maxExamined {
            let asked = budget.accounts(of: query)
            if asked.isEmpty { break }
            let accounts = try jsonArray(asked)
            // Jobs handled in an earlier round are no longer pending, so the same
            // query yields the next ones.
            let wanted = min(query.limit - batch.leased.count, maxExamined - examined)
            let jobs = try SQLRequest<NotificationJobRow>(
                literal: Self.leaseCandidates(
                    channel: query.channel, now: now, provider: query.provider, presentProviders: present,
                    accounts: accounts, limit: wanted),
                cached: true
            ).fetchAll(db).map(\.model)
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

            var leasedIDs: [String] = []
            let suppressed = try Self.suppressions(for: jobs, db)
            for job in jobs {
                // Beyond its sender's rate: it stays pending, in due order, for a later turn.
                guard budget.admits(job) else { continue }
                let candidate = LeaseCandidate(
                    job: job,
                    booking: bookingsByID[job.bookingID],
                    subscription: job.subscriptionID.flatMap { subscriptionsByID[$0] },
                    teamDestination: job.teamDestinationID.flatMap { teamDestinationsByID[$0] },
                    event: job.eventID.isEmpty ? nil : eventsByID[job.eventID],
                    suppressed: suppressed[SuppressionKey(job: job)] ?? [])
                var decision = decide(candidate)
                if decision == .lease, candidate.booking == nil {
                    decision = .cancel(reason: "booking \(job.bookingID) no longer exists")
                }
                switch decision {
                case .lease:
                    budget.spend(job)
                    leasedIDs.append(job.id)
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
                    batch.logged.append(try Self.insertLog(
                        job, .cancelled, provider: job.provider ?? "", error: reason, at: stored, db))
                    batch.cancelled += 1
                case let .miss(reason):
                    try Self.setFinalStatus(of: job.id, .missed, lastError: reason, at: now, db)
                    batch.logged.append(try Self.insertLog(
                        job, .missed, provider: job.provider ?? "", error: reason, at: stored, db))
                    batch.missed += 1
                case let .skip(reason):
                    try Self.setFinalStatus(of: job.id, .skipped, lastError: reason, at: now, db)
                    batch.logged.append(try Self.insertLog(
                        job, .skipped, provider: job.provider ?? "", error: reason, at: stored, db))
                    batch.skipped += 1
                }
            }
            // One statement for the round's leases (before the next round's query,
            // which must no longer see them pending).
            if !leasedIDs.isEmpty {
                try db.cachedStatement(literal: """
                    UPDATE notification_jobs
                    SET status = 'leased', attempt = attempt + 1, leased_to = \(query.leasedTo),
                        lease_expires_at = \(leaseUntil), updated_at = \(now)
                    WHERE id IN (SELECT value FROM json_each(\(jsonArray(leasedIDs))))
                    """).execute()
            }
            if jobs.count < wanted { break } // nothing more is due
        }
        batch.paced = budget.paced
        batch.spaced = budget.spaced
        try Self.addConfiguration(to: &batch.leased, cache: cache, db)
        return batch
    }

    /// Adds to each leased job what its delivery is made from: its tenant's settings and
    /// templates and its booking's event type, from `cache` (dropped on any change to
    /// them) or else read once per tenant and event type of the batch.
    private static func addConfiguration(
        to leased: inout [LeasedJob], cache: TenantContextCache, _ db: Database
    ) throws {
        for index in leased.indices {
            let tenantID = leased[index].job.tenantID
            let eventTypeID = leased[index].booking.eventTypeID
            let configuration: DeliveryConfiguration
            if let cached = cache.delivery(tenantID: tenantID, eventTypeID: eventTypeID) {
                configuration = cached
            } else {
                let generation = cache.generation
                configuration = DeliveryConfiguration(
                    settings: try NotificationSettingsRow.find(tenantID: tenantID).fetchOne(db)?.model,
                    templates: try MessageTemplateRow.all(tenantID: tenantID).fetchAll(db).map(\.model),
                    eventType: try eventTypeID.flatMap { try EventTypeRow.find(tenantID: tenantID, id: $0).fetchOne(db)?.model })
                cache.store(configuration, tenantID: tenantID, eventTypeID: eventTypeID, generation: generation)
            }
            let job = leased[index].job
            leased[index].settings = configuration.settings
            leased[index].eventType = configuration.eventType
            leased[index].template = configuration.templates.first { $0.kind == job.kind && $0.channel == job.channel }
        }
    }

    /// The stored values of `Model`'s table with these ids, by id; no query when there are none.
    private static func byID<Model: StoredInTable>(
        _: Model.Type, _ ids: Set<String>, id: KeyPath<Model, String>, _ db: Database
    ) throws -> [String: Model] {
        guard !ids.isEmpty else { return [:] }
        let ids = try jsonArray(ids.sorted())
        let values = try SQLRequest<Model.Row>(
            literal: "SELECT * FROM \(Model.Row.self) WHERE id IN (SELECT value FROM json_each(\(ids)))", cached: true
        ).fetchAll(db).map(\.model)
        return Dictionary(values.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Ends an open job (`now` is a date's database value).
    private static func setFinalStatus(
        of jobID: String, _ status: JobStatus, lastError: String?, at now: DatabaseValue, _ db: Database
    ) throws {
        try db.cachedStatement(sql: """
            UPDATE notification_jobs
            SET status = :status, leased_to = NULL, lease_expires_at = NULL, last_error = :lastError,
                updated_at = :now
            WHERE id = :id
            """).execute(arguments: ["status": status, "lastError": lastError, "now": now, "id": jobID])
    }

    /// Appends the ReminderLog row of a job's outcome (attempts = the job's attempt) and
    /// returns it as stored, for the event stream.
    private static func insertLog(
        _ job: NotificationJob, _ outcome: LogOutcome, provider: String,
        providerMessageID: String? = nil, error: String?, at loggedAt: StoredDate, _ db: Database
    ) throws -> ReminderLogEntry {
        try ReminderLogEntry(
            job: job, outcome: outcome, provider: provider, providerMessageID: providerMessageID, error: error,
            loggedAt: loggedAt.date
        ).append(db)
    }

    // MARK: Results

    public func applyResults(_ results: [JobResult]) async throws -> AppliedResults {
        guard !results.isEmpty else { return AppliedResults() }
        return try await write { db in try Self.apply(results, db) }
    }

    static func apply(_ results: [JobResult], _ db: Database) throws -> AppliedResults {
        guard !results.isEmpty else { return AppliedResults() }
        // All the jobs in one lookup; `jobs` then follows this batch's own changes,
        // so a second result for the same job sees the first one applied.
        var jobs: [String: NotificationJob] = [:]
        let ids = try jsonArray(Set(results.map(\.jobID)).sorted())
        for row in try SQLRequest<NotificationJobRow>(
            literal: "SELECT * FROM notification_jobs WHERE id IN (SELECT value FROM json_each(\(ids)))",
            cached: true
        ).fetchAll(db) {
            jobs[row.id] = row.model
        }
        var dates = DateValues()
        var dispositions: [ResultDisposition] = []
        dispositions.reserveCapacity(results.count)
        var logged: [ReminderLogEntry] = []
        for result in results {
            if let reason = result.ignoredReason(for: jobs[result.jobID]) {
                dispositions.append(.ignored(reason: reason))
                continue
            }
            guard var job = jobs[result.jobID] else { continue }
            let at = dates.value(of: result.at)
            job.leasedTo = nil
            job.leaseExpiresAt = nil
            job.updatedAt = result.at
            switch result.resolution {
            case let .sent(provider, providerMessageID):
                try Self.setFinalStatus(of: job.id, .sent, lastError: job.lastError, at: at.value, db)
                job.status = .sent
                do {
                    logged.append(try Self.insertLog(
                        job, .sent, provider: provider, providerMessageID: providerMessageID,
                        error: nil, at: at, db))
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                    // Another job of the same notification was already logged sent: keep
                    // that one row (only this statement was undone), this job is sent too.
                }
            case let .failed(provider, error, recipientGone):
                try Self.setFinalStatus(of: job.id, .failed, lastError: error, at: at.value, db)
                job.status = .failed
                job.lastError = error
                logged.append(try Self.insertLog(job, .failed, provider: provider, error: error, at: at, db))
                // A customer who opted out: on the tenant's suppression list from now on.
                if recipientGone, let optedOut = Suppression.optedOut(job, provider: provider, error: error, at: result.at) {
                    try Self.insertSuppression(optedOut, db)
                }
                // Its other pending deliveries are cancelled at send time.
                if recipientGone, let subscriptionID = job.subscriptionID {
                    let reason = "the endpoint answered: \(error)"
                    try db.execute(literal: """
                        UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = \(reason)
                        WHERE id = \(subscriptionID)
                        """)
                }
                if recipientGone, let teamDestinationID = job.teamDestinationID {
                    let reason = "the \(job.channel) channel said the recipient is gone: \(error)"
                    try db.execute(literal: """
                        UPDATE team_destinations SET enabled = 0, disabled_reason = \(reason)
                        WHERE id = \(teamDestinationID)
                        """)
                }
            case let .retry(dueAt, _, error, switchToFallback):
                if switchToFallback, let fallbackProvider = job.fallbackProvider {
                    (job.provider, job.fallbackProvider) = (fallbackProvider, job.provider)
                }
                job.status = .pending
                job.dueAt = dueAt
                job.lastError = error
                try db.cachedStatement(sql: """
                    UPDATE notification_jobs
                    SET status = 'pending', due_at = :dueAt, provider = :provider,
                        fallback_provider = :fallbackProvider, last_error = :error,
                        leased_to = NULL, lease_expires_at = NULL, updated_at = :now
                    WHERE id = :id
                    """).execute(arguments: [
                        "dueAt": dates.value(of: dueAt).value, "provider": job.provider,
                        "fallbackProvider": job.fallbackProvider, "error": error, "now": at.value, "id": job.id,
                    ])
            }
            jobs[job.id] = job
            dispositions.append(.applied)
        }
        try applyFallbacks(logged.compactMap { entry in Fallback.Trigger(entry).map { (entry, $0, entry.loggedAt) } }, db)
        return AppliedResults(dispositions: dispositions, logged: logged)
    }

    // MARK: Leases

    // Giving a lease back keeps the job's due time: it was due then and still is
    // (a leased job is always due), and the send-time check measures lateness from
    // it, so a reminder that outlived its grace while a worker held it is missed.

    public func releaseLeases(jobIDs: [String], now: Date) async throws -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        return try await write { db in try Self.release(jobIDs, now: now, db) }
    }

    static func release(_ jobIDs: [String], now: Date, _ db: Database) throws -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        try db.cachedStatement(literal: """
            UPDATE notification_jobs
            SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = \(now)
            WHERE status = 'leased' AND id IN (SELECT value FROM json_each(\(jsonArray(jobIDs))))
            """).execute()
        return db.changesCount
    }

    public func expireLeases(now: Date) async throws -> Int {
        try await write { db in try Self.expire(now: now, db) }
    }

    static func expire(now: Date, _ db: Database) throws -> Int {
        try db.cachedStatement(literal: """
            UPDATE notification_jobs
            SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = \(now)
            WHERE status = 'leased' AND lease_expires_at <= \(now)
            """).execute()
        return db.changesCount
    }

    public func releaseAllLeases(now: Date) async throws -> Int {
        try await write { db in
            try db.cachedStatement(literal: """
                UPDATE notification_jobs
                SET status = 'pending', leased_to = NULL, lease_expires_at = NULL, updated_at = \(now)
                WHERE status = 'leased'
                """).execute()
            return db.changesCount
        }
    }

    // MARK: A turn

    public func dispatchTurn(
        _ turn: DispatchTurn, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> DispatchTurnOutcome {
        // One transaction, so one trip to the database's thread and back per turn: a
        // lone reminder costs two turns (hand it out, take its result), not a dozen trips.
        let cache = tenantContexts
        let body: @Sendable (Database) throws -> DispatchTurnOutcome = { db in
            var outcome = DispatchTurnOutcome()
            if turn.writes {
                outcome.results = try Self.apply(turn.results, db)
                outcome.receipts = try Self.apply(turn.receipts, db)
                outcome.inbound = try Self.apply(turn.inbound, db)
                outcome.released = try Self.release(turn.releases, now: turn.now, db)
                if turn.expireLeases { outcome.expired = try Self.expire(now: turn.now, db) }
                outcome.batches = try turn.leases.map { try Self.lease($0, cache: cache, decide: decide, db) }
            }
            let now = turn.now.databaseValue
            for channel in turn.watched {
                outcome.nextDue[channel] = NextDue(
                    earliest: try Self.nextDue(channel: channel, after: Date.distantPast.databaseValue, db),
                    afterNow: try Self.nextDue(channel: channel, after: now, db))
            }
            outcome.nextLeaseExpiry = try Date.fetchOne(db.cachedStatement(sql: Self.nextLeaseExpirySQL))
            return outcome
        }
        return turn.writes ? try await write(body) : try await read(body)
    }

    // MARK: Timing and visibility

    public func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        guard !channels.isEmpty else { return nil }
        let floor = (after ?? .distantPast).databaseValue
        return try await read { db in
            // One index probe per channel: `channel IN (...) ORDER BY due_at` would sort
            // every pending job of those channels.
            try channels.compactMap { try Self.nextDue(channel: $0, after: floor, db) }.min()
        }
    }

    static func nextDue(channel: String, after floor: DatabaseValue, _ db: Database) throws -> Date? {
        try SQLRequest<Date>(literal: Self.nextDue(channel: channel, after: floor), cached: true).fetchOne(db)
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
            let pending = try SQLRequest<Row>(literal: """
                SELECT channel, SUM(due_at <= \(now)) AS due_now, SUM(due_at > \(now)) AS scheduled
                FROM notification_jobs WHERE status = 'pending'
                GROUP BY channel
                """).fetchAll(db)
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

/// A date as the database stores it: its text (``DatabaseDate``, made once per value)
/// and the date that text reads back as (milliseconds).
struct StoredDate {
    var date: Date
    var value: DatabaseValue

    init(_ date: Date) {
        value = DatabaseDate.text(date).databaseValue
        self.date = Date.fromDatabaseValue(value) ?? date
    }
}

/// Stored dates, formatted once each: a batch's results mostly share a few times.
private struct DateValues {
    private var last: (Date, StoredDate)?

    mutating func value(of date: Date) -> StoredDate {
        if let last, last.0 == date { return last.1 }
        let value = StoredDate(date)
        last = (date, value)
        return value
    }
}

/// A JSON array of strings, for `IN (SELECT value FROM json_each(\(array)))`.
func jsonArray(_ values: some Collection<String>) throws -> String {
    try JSONColumn.encode(strings: values)
}

extension SQLiteStore {
    /// The text of a literal that interpolates only non-nil values: `?` for each.
    fileprivate static func text(of literal: SQL) -> String {
        // Building needs a connection; any will do, since no name needs quoting.
        // (An empty in-memory database cannot fail to open.)
        try! DatabaseQueue().read { db in try literal.build(db).sql }
    }
}
