import Foundation
import PostgresNIO

// Fallback before the appointment on PostgreSQL, as on SQLite (SQLiteStore+Fallback.swift).
extension PostgresStore {
    func applyFallbacks(
        _ news: [(entry: ReminderLogEntry, trigger: Fallback.Trigger, at: Date)], _ connection: PostgresConnection
    ) async throws {
        var settingsByTenant: [String: (settings: NotificationSettings, eventTypeRules: Bool)?] = [:]
        var wake: Set<String> = []
        for (entry, trigger, now) in news where Fallback.mayStandIn(for: entry) {
            guard let logID = entry.id else { continue }
            if settingsByTenant[entry.tenantID] == nil {
                let settings: NotificationSettings? = try await connection.one(
                    "SELECT * FROM notification_settings WHERE tenant_id = \(entry.tenantID)", logger)
                let eventTypeRules = try await connection.exists(
                    "SELECT 1 FROM event_types WHERE tenant_id = \(entry.tenantID) AND fallback_channel IN ('email', 'sms')", logger)
                settingsByTenant[entry.tenantID] = .some(settings.map { ($0, eventTypeRules) })
            }
            guard let (settings, eventTypeRules) = settingsByTenant[entry.tenantID] ?? nil,
                  settings.fallbackChannel != nil || eventTypeRules,
                  let booking: Booking = try await connection.one("SELECT * FROM bookings WHERE id = \(entry.bookingID)", logger)
            else { continue }
            var eventType: EventType?
            if let eventTypeID = booking.eventTypeID {
                eventType = try await Self.eventType(tenantID: booking.tenantID, id: eventTypeID, connection, logger)
            }
            guard let rule = FallbackRule.effective(settings: settings, eventType: eventType) else { continue }
            // Locked: a second receipt for the same message waits for this transaction. (A
            // result and its receipts cannot race: a receipt finds no `sent` row until the
            // result's transaction has committed, and it locks that row.)
            let existing: NotificationJob? = try await connection.one("""
                SELECT * FROM notification_jobs
                WHERE booking_id = \(entry.bookingID) AND event_id = \(Fallback.eventID(forLogID: logID))
                FOR UPDATE
                """, logger)
            let alreadyOnFallbackChannel = try await connection.exists("""
                SELECT 1 FROM notification_jobs
                WHERE booking_id = \(entry.bookingID) AND channel = \(rule.channel.rawValue)
                  AND kind = \(entry.kind.rawValue) AND reminder_offset_minutes = \(entry.reminderOffsetMinutes)
                  AND schedule_version = \(entry.scheduleVersion) AND event_id = '' AND id <> \(entry.jobID)
                """, logger)
            let situation = Fallback.Situation(
                original: entry, booking: booking, settings: settings, eventType: eventType, existing: existing,
                alreadyOnFallbackChannel: alreadyOnFallbackChannel)
            switch Fallback.decide(trigger, situation, now: now) {
            case .none:
                break
            case .insert(let job):
                try await connection.run(PostgresInsert.job(job), logger)
                wake.insert(job.channel)
            case .sendNow(let jobID, let reason):
                try await connection.run("""
                    UPDATE notification_jobs SET due_at = \(now.postgres), last_error = \(reason), updated_at = \(now.postgres)
                    WHERE id = \(jobID) AND status = 'pending'
                    """, logger)
                if let existing { wake.insert(existing.channel) }
            case .cancel(let jobID, let reason):
                try await connection.run("""
                    UPDATE notification_jobs SET status = 'cancelled', last_error = \(reason), updated_at = \(now.postgres)
                    WHERE id = \(jobID) AND status = 'pending'
                    """, logger)
            }
        }
        try await Self.notifyJobs(channels: wake, from: coreID, connection, logger)
    }
}
