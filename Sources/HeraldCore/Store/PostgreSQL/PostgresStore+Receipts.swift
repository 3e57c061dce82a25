import Foundation
import PostgresNIO

// Delivery receipts on PostgreSQL, as on SQLite (SQLiteStore+Receipts.swift). With
// several cores, two receipts for one message may arrive at two cores at once:
// the `sent` rows of a batch are locked (FOR UPDATE) before their states are read,
// so the second core judges its receipt against the first one's effect.
extension PostgresStore {
    public func applyReceipts(_ receipts: [DeliveryReceipt]) async throws -> [ReceiptDisposition] {
        guard !receipts.isEmpty else { return [] }
        return try await write { try await self.apply(receipts, $0) }
    }

    func apply(_ receipts: [DeliveryReceipt], _ connection: PostgresConnection) async throws -> [ReceiptDisposition] {
        guard !receipts.isEmpty else { return [] }
        let providers = receipts.map(\.provider), messageIDs = receipts.map(\.providerMessageID)
        let rows: [ReminderLogEntry] = try await connection.all("""
            SELECT * FROM reminder_log
            WHERE outcome = 'sent' AND provider_message_id IS NOT NULL
              AND (provider, provider_message_id) IN (SELECT * FROM unnest(\(providers)::text[], \(messageIDs)::text[]))
            ORDER BY id
            FOR UPDATE
            """, logger)
        var sentRows: [MessageKey: ReminderLogEntry] = [:]
        for row in rows {
            guard let messageID = row.providerMessageID else { continue }
            sentRows[MessageKey(provider: row.provider, messageID: messageID)] = row
        }
        // Receipts found by their job instead (a message split into parts), through the
        // job's booking: the log is indexed by booking, not by job.
        let byJob = receipts.filter {
            $0.jobID != nil && sentRows[MessageKey(provider: $0.provider, messageID: $0.providerMessageID)] == nil
        }
        var jobRows: [String: ReminderLogEntry] = [:]
        if !byJob.isEmpty {
            for row: ReminderLogEntry in try await connection.all("""
                SELECT reminder_log.* FROM notification_jobs
                JOIN reminder_log ON reminder_log.booking_id = notification_jobs.booking_id
                    AND reminder_log.job_id = notification_jobs.id
                WHERE notification_jobs.id = ANY(\(byJob.compactMap(\.jobID))) AND reminder_log.outcome = 'sent'
                ORDER BY reminder_log.id
                FOR UPDATE OF reminder_log
                """, logger) {
                jobRows[row.jobID] = row
            }
        }
        var states = try await deliveryStates(
            logIDs: rows.compactMap(\.id) + jobRows.values.compactMap(\.id), connection)
        var dispositions: [ReceiptDisposition] = []
        dispositions.reserveCapacity(receipts.count)
        var subscriptions: [String: [WebhookSubscription]] = [:] // per tenant, read once per batch
        var webhookJobs = false
        var suppressed = false
        var fallbackNews: [(entry: ReminderLogEntry, trigger: Fallback.Trigger, at: Date)] = []
        for receipt in receipts {
            let found = sentRows[MessageKey(provider: receipt.provider, messageID: receipt.providerMessageID)]
                ?? receipt.jobID.flatMap { jobRows[$0] }.flatMap { $0.provider == receipt.provider ? $0 : nil }
            guard var entry = found, let logID = entry.id else {
                dispositions.append(.unknown)
                continue
            }
            switch receipt.judged(against: states[logID]) {
            case .unchanged(let reason):
                dispositions.append(.unchanged(reason: reason))
            case .advance(var state):
                state.at = PostgresDate.stored(state.at)
                state.updatedAt = PostgresDate.stored(state.updatedAt)
                try await connection.run("""
                    INSERT INTO delivery_states (log_id, status, status_at, provider_status, error_code, error, updated_at)
                    VALUES (\(logID), \(state.status.rawValue), \(state.at.postgres), \(state.providerStatus),
                            \(state.errorCode), \(state.error), \(state.updatedAt.postgres))
                    ON CONFLICT (log_id) DO UPDATE SET
                        status = excluded.status, status_at = excluded.status_at,
                        provider_status = excluded.provider_status, error_code = excluded.error_code,
                        error = excluded.error, updated_at = excluded.updated_at
                    """, logger)
                states[logID] = state
                entry.delivery = state
                dispositions.append(.updated(entry))
                if let trigger = Fallback.Trigger(state) { fallbackNews.append((entry, trigger, state.updatedAt)) }
                if let optedOut = receipt.optedOut(entry) {
                    try await Self.insertSuppression(optedOut, connection, logger)
                    suppressed = true
                }
                if state.status.eventType != nil {
                    if subscriptions[entry.tenantID] == nil {
                        subscriptions[entry.tenantID] = try await Self.ofTenant(
                            WebhookSubscription.self, entry.tenantID, connection, logger)
                    }
                    for job in DeliveryWebhooks.jobs(
                        for: entry, subscriptions: subscriptions[entry.tenantID] ?? [], now: state.updatedAt)
                    {
                        try await connection.run(PostgresInsert.job(job), logger)
                        webhookJobs = true
                    }
                }
            }
        }
        // Other cores' webhook workers hear of the new jobs as of any other write's.
        if webhookJobs { try await Self.notifyJobs(channels: ["webhook"], from: coreID, connection, logger) }
        try await applyFallbacks(fallbackNews, connection)
        // Every core's tenant context says whether the tenant has anyone on its list.
        if suppressed { try await Self.notifyConfigurationChanged(from: coreID, connection, logger) }
        return dispositions
    }

    /// The stored delivery states of these ReminderLog rows (those that have one).
    func deliveryStates(logIDs: [Int64], _ connection: PostgresConnection) async throws -> [Int64: DeliveryState] {
        guard !logIDs.isEmpty else { return [:] }
        var states: [Int64: DeliveryState] = [:]
        for row in try await connection.rows(
            "SELECT * FROM delivery_states WHERE log_id = ANY(\(logIDs))", logger)
        {
            let c = PostgresColumns(row)
            states[try c("log_id", as: Int64.self)] = DeliveryState(
                status: try c.value("status"), at: try c.date("status_at"), providerStatus: try c("provider_status"),
                errorCode: try c("error_code"), error: try c("error"), updatedAt: try c.date("updated_at"))
        }
        return states
    }

    /// `entries` with the delivery states of their `sent` rows.
    func withDelivery(_ entries: [ReminderLogEntry], _ connection: PostgresConnection) async throws -> [ReminderLogEntry] {
        let states = try await deliveryStates(
            logIDs: entries.compactMap { $0.outcome == .sent ? $0.id : nil }, connection)
        guard !states.isEmpty else { return entries }
        return entries.map { entry in
            var entry = entry
            if let id = entry.id { entry.delivery = states[id] }
            return entry
        }
    }

    private struct MessageKey: Hashable {
        var provider: String
        var messageID: String
    }
}
