import Foundation
import Logging
import PostgresNIO

// The dispatcher's operations on PostgreSQL (DispatchStore). The queue queries name
// the literal status of the partial indexes ('pending', 'leased'), so they walk open
// jobs only, never the history. Several cores lease from one table: candidates are
// selected `FOR UPDATE SKIP LOCKED` (a job another core is deciding on is skipped,
// never waited for), results lock their jobs `FOR UPDATE` before judging them.
extension PostgresStore {
    /// How many candidates one lease call examines at most, as a multiple of its limit.
    static let leaseExaminedFactor = 4

    public func dispatchTurn(
        _ turn: DispatchTurn, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> DispatchTurnOutcome {
        // One transaction, one connection, one trip per statement.
        let body: @Sendable (PostgresConnection) async throws -> DispatchTurnOutcome = { connection in
            var outcome = DispatchTurnOutcome()
            if turn.writes {
                outcome.results = try await self.apply(turn.results, connection)
                outcome.receipts = try await self.apply(turn.receipts, connection)
                outcome.inbound = try await self.apply(turn.inbound, connection)
                outcome.released = try await self.release(turn.releases, now: turn.now, connection)
                if turn.expireLeases { outcome.expired = try await self.expire(now: turn.now, connection) }
                for query in turn.leases {
                    outcome.batches.append(try await self.lease(query, decide: decide, connection))
                }
            }
            (outcome.nextDue, outcome.nextLeaseExpiry) = try await self.nextTimes(
                channels: turn.watched, now: turn.now, connection)
            return outcome
        }
        return turn.writes ? try await write(body) : try await read(body)
    }

    // MARK: Leasing

    public func leaseDueJobs(
        _ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> LeaseBatch {
        guard query.limit > 0 else { return LeaseBatch() }
        return try await write { try await self.lease(query, decide: decide, $0) }
    }

    func lease(
        _ query: LeaseQuery, decide: (LeaseCandidate) -> LeaseDecision, _ connection: PostgresConnection
    ) async throws -> LeaseBatch {
        guard query.limit > 0 else { return LeaseBatch() }
        let present = query.presentProviders.sorted()
        var budget = LeaseBudget(query)
        let now = query.now.postgres
        let leaseUntil = query.leaseUntil.postgres
        var batch = LeaseBatch()
        var examined = 0
        let maxExamined = query.limit * Self.leaseExaminedFactor
        while batch.leased.count < query.limit, examined < maxExamined {
            let accounts = Array(budget.accounts(of: query))
            if accounts.isEmpty { break }
            let wanted = min(query.limit - batch.leased.count, maxExamined - examined)
            let jobs: [NotificationJob] = try await connection.all("""
                SELECT * FROM notification_jobs
                WHERE status = 'pending' AND channel = \(query.channel) AND due_at <= \(now)
                  AND (provider IS NULL OR provider = \(query.provider)
                       OR (fallback_provider = \(query.provider) AND NOT (provider = ANY(\(present)::text[]))))
                  AND account = ANY(\(accounts)::text[])
                ORDER BY due_at, seq
                LIMIT \(wanted)
                FOR UPDATE SKIP LOCKED
                """, logger)
            examined += jobs.count
            if jobs.isEmpty { break }

            let bookings: [String: Booking] = try await byID(Set(jobs.map(\.bookingID)), \.id, connection)
            let subscriptions: [String: WebhookSubscription] = try await byID(
                Set(jobs.compactMap(\.subscriptionID)), \.id, connection)
            let destinations: [String: TeamDestination] = try await byID(
                Set(jobs.compactMap(\.teamDestinationID)), \.id, connection)
            let events: [String: BookingEventRecord] = try await byID(
                Set(jobs.map(\.eventID).filter { !$0.isEmpty }), \.id, connection)

            var leasedIDs: [String] = []
            let suppressed = try await suppressions(for: jobs, connection)
            for job in jobs {
                // Beyond its sender's rate: it stays pending, in due order, for a later turn.
                guard budget.admits(job) else { continue }
                let candidate = LeaseCandidate(
                    job: job, booking: bookings[job.bookingID],
                    subscription: job.subscriptionID.flatMap { subscriptions[$0] },
                    teamDestination: job.teamDestinationID.flatMap { destinations[$0] },
                    event: job.eventID.isEmpty ? nil : events[job.eventID],
                    suppressed: suppressed[SuppressionKey(job: job)] ?? [])
                var decision = decide(candidate)
                if decision == .lease, candidate.booking == nil {
                    decision = .cancel(reason: "booking \(job.bookingID) no longer exists")
                }
                switch decision {
                case .lease:
                    budget.spend(job)
                    leasedIDs.append(job.id)
                    var leased = job
                    leased.status = .leased
                    leased.attempt += 1
                    leased.leasedTo = query.leasedTo
                    leased.leaseExpiresAt = leaseUntil.date
                    leased.updatedAt = now.date
                    batch.leased.append(LeasedJob(
                        job: leased, booking: candidate.booking!, subscription: candidate.subscription,
                        event: candidate.event))
                case let .cancel(reason):
                    batch.logged += try await end(job, .cancelled, reason: reason, at: query.now, connection)
                    batch.cancelled += 1
                case let .miss(reason):
                    batch.logged += try await end(job, .missed, reason: reason, at: query.now, connection)
                    batch.missed += 1
                case let .skip(reason):
                    batch.logged += try await end(job, .skipped, reason: reason, at: query.now, connection)
                    batch.skipped += 1
                }
            }
            if !leasedIDs.isEmpty {
                try await connection.run("""
                    UPDATE notification_jobs
                    SET status = 'leased', attempt = attempt + 1, leased_to = \(query.leasedTo),
                        leased_by_core = \(coreID), lease_expires_at = \(leaseUntil), updated_at = \(now)
                    WHERE id = ANY(\(leasedIDs))
                    """, logger)
            }
            if jobs.count < wanted { break }
        }
        batch.paced = budget.paced
        batch.spaced = budget.spaced
        try await addConfiguration(to: &batch.leased, connection)
        return batch
    }

    /// Ends an open job as cancelled or missed, with its ReminderLog row.
    private func end(
        _ job: NotificationJob, _ outcome: JobStatus, reason: String, at now: Date, _ connection: PostgresConnection
    ) async throws -> [ReminderLogEntry] {
        try await setFinalStatus(of: job.id, outcome, lastError: reason, at: now, connection)
        let log: LogOutcome =
            switch outcome {
            case .missed: .missed
            case .skipped: .skipped
            default: .cancelled
            }
        let entry = ReminderLogEntry(job: job, outcome: log, provider: job.provider ?? "", error: reason, loggedAt: now)
        return try await Self.append(entry, connection, logger).map { [$0] } ?? []
    }

    private func setFinalStatus(
        of jobID: String, _ status: JobStatus, lastError: String?, at now: Date, _ connection: PostgresConnection
    ) async throws {
        try await connection.run("""
            UPDATE notification_jobs
            SET status = \(status.rawValue), leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                last_error = \(lastError), updated_at = \(now.postgres)
            WHERE id = \(jobID)
            """, logger)
    }

    /// Adds to each leased job its tenant's settings, its template and its booking's
    /// event type, read once per tenant and event type of the batch. (No cache across
    /// calls: another core may have changed them.)
    private func addConfiguration(to leased: inout [LeasedJob], _ connection: PostgresConnection) async throws {
        var settings: [String: NotificationSettings?] = [:]
        var templates: [String: [MessageTemplate]] = [:]
        var eventTypes: [String: EventType?] = [:]
        let cache = cacheTrusted.value.load(ordering: .acquiring) ? tenantContexts : nil
        let generation = cache?.generation ?? 0
        for index in leased.indices {
            let tenantID = leased[index].job.tenantID
            let job = leased[index].job
            if let cached = cache?.delivery(tenantID: tenantID, eventTypeID: leased[index].booking.eventTypeID) {
                leased[index].settings = cached.settings
                leased[index].eventType = cached.eventType
                leased[index].template = cached.templates.first { $0.kind == job.kind && $0.channel == job.channel }
                continue
            }
            if settings[tenantID] == nil {
                settings[tenantID] = .some(try await Self.settings(tenantID: tenantID, connection, logger))
                templates[tenantID] = try await Self.templates(tenantID: tenantID, connection, logger)
            }
            var eventType: EventType?
            if let eventTypeID = leased[index].booking.eventTypeID {
                let key = tenantID + "\u{0}" + eventTypeID
                if eventTypes[key] == nil {
                    eventTypes[key] = .some(try await Self.eventType(tenantID: tenantID, id: eventTypeID, connection, logger))
                }
                eventType = eventTypes[key] ?? nil
            }
            leased[index].settings = settings[tenantID] ?? nil
            leased[index].eventType = eventType
            leased[index].template = templates[tenantID]?.first { $0.kind == job.kind && $0.channel == job.channel }
            cache?.store(
                DeliveryConfiguration(
                    settings: settings[tenantID] ?? nil, templates: templates[tenantID] ?? [], eventType: eventType),
                tenantID: tenantID, eventTypeID: leased[index].booking.eventTypeID, generation: generation)
        }
    }

    /// The stored values of `Model`'s table with these ids, by id; no query when there are none.
    private func byID<Model: PostgresModel>(
        _ ids: Set<String>, _ id: KeyPath<Model, String>, _ connection: PostgresConnection
    ) async throws -> [String: Model] {
        guard !ids.isEmpty else { return [:] }
        let values: [Model] = try await connection.all(
            "SELECT * FROM \(unescaped: Model.table) WHERE id = ANY(\(ids.sorted()))", logger)
        return Dictionary(values.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Results

    public func applyResults(_ results: [JobResult]) async throws -> AppliedResults {
        guard !results.isEmpty else { return AppliedResults() }
        return try await write { try await self.apply(results, $0) }
    }

    /// Judges the results against the jobs as locked (and as earlier results of the
    /// batch changed them) in memory, then writes the batch with one UPDATE of the
    /// changed jobs and one INSERT of the log rows: two statements per batch, not two
    /// per result, since each statement is a round trip to the server.
    func apply(_ results: [JobResult], _ connection: PostgresConnection) async throws -> AppliedResults {
        guard !results.isEmpty else { return AppliedResults() }
        var jobs: [String: NotificationJob] = [:]
        // Locked until commit: another core's result for the same job waits, then sees this one's effect.
        for job: NotificationJob in try await connection.all("""
            SELECT * FROM notification_jobs WHERE id = ANY(\(Set(results.map(\.jobID)).sorted())) FOR UPDATE
            """, logger) {
            jobs[job.id] = job
        }
        var dispositions: [ResultDisposition] = []
        var changed: [String] = [] // job ids, in first-change order
        var entries: [ReminderLogEntry] = []
        var retried = Set<String>()
        var disabledDestinations = false
        for result in results {
            if let reason = result.ignoredReason(for: jobs[result.jobID]) {
                dispositions.append(.ignored(reason: reason))
                continue
            }
            guard var job = jobs[result.jobID] else { continue }
            job.leasedTo = nil
            job.leaseExpiresAt = nil
            job.updatedAt = PostgresDate.stored(result.at)
            switch result.resolution {
            case let .sent(provider, providerMessageID):
                job.status = .sent
                entries.append(ReminderLogEntry(
                    job: job, outcome: .sent, provider: provider, providerMessageID: providerMessageID, loggedAt: result.at))
            case let .failed(provider, error, recipientGone):
                job.status = .failed
                job.lastError = error
                entries.append(ReminderLogEntry(job: job, outcome: .failed, provider: provider, error: error, loggedAt: result.at))
                if recipientGone, job.subscriptionID != nil || job.teamDestinationID != nil { disabledDestinations = true }
                // A customer who opted out: on the tenant's suppression list from now on.
                if recipientGone, let optedOut = Suppression.optedOut(job, provider: provider, error: error, at: result.at) {
                    try await Self.insertSuppression(optedOut, connection, logger)
                    disabledDestinations = true // every core's tenant context says whether it has any
                }
                if recipientGone, let subscriptionID = job.subscriptionID {
                    let reason = "the endpoint answered: \(error)"
                    try await connection.run("""
                        UPDATE webhook_subscriptions SET enabled = false, disabled_reason = \(reason)
                        WHERE id = \(subscriptionID)
                        """, logger)
                }
                if recipientGone, let teamDestinationID = job.teamDestinationID {
                    let reason = "the \(job.channel) channel said the recipient is gone: \(error)"
                    try await connection.run("""
                        UPDATE team_destinations SET enabled = false, disabled_reason = \(reason)
                        WHERE id = \(teamDestinationID)
                        """, logger)
                }
            case let .retry(dueAt, _, error, switchToFallback):
                if switchToFallback, let fallbackProvider = job.fallbackProvider {
                    (job.provider, job.fallbackProvider) = (fallbackProvider, job.provider)
                }
                job.status = .pending
                job.dueAt = PostgresDate.stored(dueAt)
                job.lastError = error
                retried.insert(job.channel)
            }
            if !changed.contains(job.id) { changed.append(job.id) }
            jobs[job.id] = job
            dispositions.append(.applied)
        }
        if disabledDestinations {
            // Other cores' caches hold the destination enabled; this core's listener
            // hears its own notification too.
            try await Self.notifyConfigurationChanged(from: coreID, connection, logger)
        }
        try await updateJobs(changed.compactMap { jobs[$0] }, connection)
        let logged = try await Self.append(entries, connection, logger)
        // A retry may go to another core's worker of its channel.
        try await Self.notifyJobs(channels: retried, from: coreID, connection, logger)
        try await applyFallbacks(
            logged.compactMap { entry in Fallback.Trigger(entry).map { (entry, $0, entry.loggedAt) } }, connection)
        return AppliedResults(dispositions: dispositions, logged: logged)
    }

    /// Writes the status, due time, providers, last error and update time of these
    /// jobs, with their leases cleared, in one statement.
    private func updateJobs(_ jobs: [NotificationJob], _ connection: PostgresConnection) async throws {
        guard !jobs.isEmpty else { return }
        let rows = try PostgresBatch.json(jobs.map { job in
            PostgresBatch.JobChange(
                id: job.id, status: job.status.rawValue, due_ms: PostgresDate(job.dueAt).milliseconds,
                provider: job.provider, fallback_provider: job.fallbackProvider, last_error: job.lastError,
                updated_ms: PostgresDate(job.updatedAt).milliseconds)
        })
        try await connection.run("""
            UPDATE notification_jobs AS j
            SET status = c.status, due_at = \(unescaped: PostgresBatch.timestamp("c.due_ms")), provider = c.provider,
                fallback_provider = c.fallback_provider, last_error = c.last_error,
                leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                updated_at = \(unescaped: PostgresBatch.timestamp("c.updated_ms"))
            FROM jsonb_to_recordset(\(rows)::jsonb) AS c(
                id text, status text, due_ms bigint, provider text, fallback_provider text, last_error text,
                updated_ms bigint)
            WHERE j.id = c.id
            """, logger)
    }

    // MARK: Leases

    public func releaseLeases(jobIDs: [String], now: Date) async throws -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        return try await write { try await self.release(jobIDs, now: now, $0) }
    }

    func release(_ jobIDs: [String], now: Date, _ connection: PostgresConnection) async throws -> Int {
        guard !jobIDs.isEmpty else { return 0 }
        return try await pendingAgain("""
            UPDATE notification_jobs
            SET status = 'pending', leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                updated_at = \(now.postgres)
            WHERE status = 'leased' AND id = ANY(\(jobIDs))
            RETURNING channel
            """, connection)
    }

    public func expireLeases(now: Date) async throws -> Int {
        try await write { try await self.expire(now: now, $0) }
    }

    /// Any core's expired leases: a dead core's jobs go out again from the living ones.
    func expire(now: Date, _ connection: PostgresConnection) async throws -> Int {
        try await pendingAgain("""
            UPDATE notification_jobs
            SET status = 'pending', leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                updated_at = \(now.postgres)
            WHERE status = 'leased' AND lease_expires_at <= \(now.postgres)
            RETURNING channel
            """, connection)
    }

    /// Runs an UPDATE that returns leased jobs to pending (`RETURNING channel`), tells
    /// the other cores, and returns how many.
    private func pendingAgain(_ update: PostgresQuery, _ connection: PostgresConnection) async throws -> Int {
        let channels = try await connection.strings(update, logger)
        try await Self.notifyJobs(channels: Set(channels), from: coreID, connection, logger)
        return channels.count
    }

    /// This core's leases only (and leases that name no core, copied from SQLite):
    /// the other cores' are in their workers' hands.
    public func releaseAllLeases(now: Date) async throws -> Int {
        try await write { connection in
            try await self.pendingAgain("""
                UPDATE notification_jobs
                SET status = 'pending', leased_to = NULL, leased_by_core = NULL, lease_expires_at = NULL,
                    updated_at = \(now.postgres)
                WHERE status = 'leased' AND (leased_by_core = \(self.coreID) OR leased_by_core IS NULL)
                RETURNING channel
                """, connection)
        }
    }

    // MARK: Timing

    public func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        guard !channels.isEmpty else { return nil }
        return try await read { connection in
            var earliest: Date?
            for channel in channels {
                if let due = try await self.nextDue(channel: channel, after: after, connection) {
                    earliest = min(earliest ?? due, due)
                }
            }
            return earliest
        }
    }

    /// A turn's timing in one statement: per channel the earliest pending due time and
    /// the earliest after `now` (two probes of the pending index each), and the next
    /// lease expiry.
    func nextTimes(
        channels: Set<String>, now: Date, _ connection: PostgresConnection
    ) async throws -> ([String: NextDue], Date?) {
        var nextDue: [String: NextDue] = [:]
        var expiry: Date?
        for row in try await connection.rows("""
            SELECT c.channel,
                (SELECT due_at FROM notification_jobs
                 WHERE status = 'pending' AND channel = c.channel ORDER BY due_at LIMIT 1) AS earliest,
                (SELECT due_at FROM notification_jobs
                 WHERE status = 'pending' AND channel = c.channel AND due_at > \(now.postgres)
                 ORDER BY due_at LIMIT 1) AS after_now,
                (SELECT lease_expires_at FROM notification_jobs
                 WHERE status = 'leased' AND lease_expires_at IS NOT NULL
                 ORDER BY lease_expires_at LIMIT 1) AS lease_expiry
            FROM (SELECT unnest(\(channels.sorted())::text[]) AS channel UNION ALL SELECT NULL) AS c
            """, logger) {
            let columns = PostgresColumns(row)
            expiry = try columns.optionalDate("lease_expiry")
            let channel: String? = try columns("channel")
            guard let channel else { continue } // the row that only carries the lease expiry
            nextDue[channel] = NextDue(
                earliest: try columns.optionalDate("earliest"), afterNow: try columns.optionalDate("after_now"))
        }
        return (nextDue, expiry)
    }

    /// One index probe of the pending index per channel.
    func nextDue(channel: String, after: Date?, _ connection: PostgresConnection) async throws -> Date? {
        try await connection.date("""
            SELECT due_at FROM notification_jobs
            WHERE status = 'pending' AND channel = \(channel) AND due_at > \((after ?? .distantPast).postgres)
            ORDER BY due_at LIMIT 1
            """, logger)
    }

    public func nextLeaseExpiry() async throws -> Date? {
        try await read { try await self.nextLeaseExpiry($0) }
    }

    func nextLeaseExpiry(_ connection: PostgresConnection) async throws -> Date? {
        try await connection.date("""
            SELECT lease_expires_at FROM notification_jobs
            WHERE status = 'leased' AND lease_expires_at IS NOT NULL
            ORDER BY lease_expires_at LIMIT 1
            """, logger)
    }
}
