import Foundation
import GRDB

// Delivery receipts on SQLite: the newest state of each `sent` ReminderLog row, in
// `delivery_states` (migration "v7-delivery-states"), found by the provider's
// message id through the partial index on sent rows.
extension SQLiteStore {
    public func applyReceipts(_ receipts: [DeliveryReceipt]) async throws -> [ReceiptDisposition] {
        guard !receipts.isEmpty else { return [] }
        return try await write { db in try Self.apply(receipts, db) }
    }

    static func apply(_ receipts: [DeliveryReceipt], _ db: Database) throws -> [ReceiptDisposition] {
        guard !receipts.isEmpty else { return [] }
        var dispositions: [ReceiptDisposition] = []
        dispositions.reserveCapacity(receipts.count)
        var subscriptions: [String: [WebhookSubscription]] = [:] // per tenant, read once per batch
        var fallbackNews: [(entry: ReminderLogEntry, trigger: Fallback.Trigger, at: Date)] = []
        for receipt in receipts {
            var sentRow = try ReminderLogRow.fetchOne(
                db.cachedStatement(sql: """
                    SELECT * FROM reminder_log
                    WHERE provider = :provider AND provider_message_id = :messageID
                      AND outcome = 'sent' AND provider_message_id IS NOT NULL
                    """),
                arguments: ["provider": receipt.provider, "messageID": receipt.providerMessageID])
            if sentRow == nil, let jobID = receipt.jobID {
                // Through the job's booking: the log is indexed by booking, not by job.
                sentRow = try ReminderLogRow.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT reminder_log.* FROM notification_jobs
                        JOIN reminder_log ON reminder_log.booking_id = notification_jobs.booking_id
                            AND reminder_log.job_id = notification_jobs.id
                        WHERE notification_jobs.id = :jobID AND reminder_log.outcome = 'sent'
                          AND reminder_log.provider = :provider
                        """),
                    arguments: ["jobID": jobID, "provider": receipt.provider])
            }
            guard var entry = sentRow?.model, let logID = entry.id else {
                dispositions.append(.unknown)
                continue
            }
            switch receipt.judged(against: try deliveryStates(logIDs: [logID], db)[logID]) {
            case .unchanged(let reason):
                dispositions.append(.unchanged(reason: reason))
            case .advance(var state):
                state.at = DatabaseDate.stored(state.at)
                state.updatedAt = DatabaseDate.stored(state.updatedAt)
                try db.cachedStatement(sql: """
                    INSERT INTO delivery_states (log_id, status, status_at, provider_status, error_code, error, updated_at)
                    VALUES (:logID, :status, :at, :providerStatus, :errorCode, :error, :updatedAt)
                    ON CONFLICT (log_id) DO UPDATE SET
                        status = excluded.status, status_at = excluded.status_at,
                        provider_status = excluded.provider_status, error_code = excluded.error_code,
                        error = excluded.error, updated_at = excluded.updated_at
                    """).execute(arguments: [
                        "logID": logID, "status": state.status.rawValue, "at": state.at,
                        "providerStatus": state.providerStatus, "errorCode": state.errorCode, "error": state.error,
                        "updatedAt": state.updatedAt,
                    ])
                entry.delivery = state
                dispositions.append(.updated(entry))
                if let trigger = Fallback.Trigger(state) { fallbackNews.append((entry, trigger, state.updatedAt)) }
                if let optedOut = receipt.optedOut(entry) { try insertSuppression(optedOut, db) }
                if state.status.eventType != nil {
                    if subscriptions[entry.tenantID] == nil {
                        subscriptions[entry.tenantID] = try ofTenant(WebhookSubscription.self, entry.tenantID, db)
                    }
                    for job in DeliveryWebhooks.jobs(
                        for: entry, subscriptions: subscriptions[entry.tenantID] ?? [], now: state.updatedAt)
                    {
                        _ = try NotificationJobRow(job).insertCached(db, sql: NotificationJobRow.insertSQL)
                    }
                }
            }
        }
        try applyFallbacks(fallbackNews, db)
        return dispositions
    }

    /// The stored delivery states of these ReminderLog rows (those that have one).
    static func deliveryStates(logIDs: [Int64], _ db: Database) throws -> [Int64: DeliveryState] {
        guard !logIDs.isEmpty else { return [:] }
        let ids = try String(decoding: JSONEncoder().encode(logIDs), as: UTF8.self)
        var states: [Int64: DeliveryState] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM delivery_states WHERE log_id IN (SELECT value FROM json_each(?))"),
            arguments: [ids])
        {
            let status: String = row["status"]
            guard let status = DeliveryStatus(rawValue: status) else { continue }
            states[row["log_id"]] = DeliveryState(
                status: status, at: row["status_at"], providerStatus: row["provider_status"],
                errorCode: row["error_code"], error: row["error"], updatedAt: row["updated_at"])
        }
        return states
    }

    /// `entries` with the delivery states of their `sent` rows.
    static func withDelivery(_ entries: [ReminderLogEntry], _ db: Database) throws -> [ReminderLogEntry] {
        let states = try deliveryStates(logIDs: entries.compactMap { $0.outcome == .sent ? $0.id : nil }, db)
        guard !states.isEmpty else { return entries }
        return entries.map { entry in
            var entry = entry
            if let id = entry.id { entry.delivery = states[id] }
            return entry
        }
    }
}
