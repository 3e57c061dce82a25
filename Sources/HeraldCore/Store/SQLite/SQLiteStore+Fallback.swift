import Foundation
import GRDB

// Fallback before the appointment on SQLite: what ``Fallback/decide(_:_:now:)``
// needs, read in the transaction that applies a result or a receipt, and its
// action carried out there.
extension SQLiteStore {
    /// Applies the fallback rule to each row's news, in order. Rows that cannot have
    /// a fallback (not SMS or WhatsApp, not to the customer, a fallback themselves)
    /// and tenants with no rule (their own or an event type's) cost two reads per
    /// batch at most.
    static func applyFallbacks(_ news: [(entry: ReminderLogEntry, trigger: Fallback.Trigger, at: Date)], _ db: Database) throws {
        var settingsByTenant: [String: (settings: NotificationSettings, eventTypeRules: Bool)?] = [:]
        for (entry, trigger, now) in news where Fallback.mayStandIn(for: entry) {
            guard let logID = entry.id else { continue }
            if settingsByTenant[entry.tenantID] == nil {
                let settings = try NotificationSettingsRow.fetchOne(db, key: entry.tenantID)?.model
                let eventTypeRules = try Bool.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT EXISTS (SELECT 1 FROM event_types WHERE tenant_id = ? AND fallback_channel IN ('email', 'sms'))
                        """),
                    arguments: [entry.tenantID]) ?? false
                settingsByTenant[entry.tenantID] = .some(settings.map { ($0, eventTypeRules) })
            }
            guard let (settings, eventTypeRules) = settingsByTenant[entry.tenantID] ?? nil,
                  settings.fallbackChannel != nil || eventTypeRules,
                  let booking = try BookingRow.fetchOne(db, key: entry.bookingID)?.model
            else { continue }
            let eventType = try booking.eventTypeID.flatMap {
                try EventTypeRow.find(tenantID: booking.tenantID, id: $0).fetchOne(db)?.model
            }
            guard let rule = FallbackRule.effective(settings: settings, eventType: eventType) else { continue }
            let existing = try NotificationJobRow.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM notification_jobs WHERE booking_id = ? AND event_id = ?"),
                arguments: [entry.bookingID, Fallback.eventID(forLogID: logID)])?.model
            let alreadyOnFallbackChannel = try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM notification_jobs
                        WHERE booking_id = ? AND channel = ? AND kind = ? AND reminder_offset_minutes = ?
                          AND schedule_version = ? AND event_id = '' AND id <> ?)
                    """),
                arguments: [
                    entry.bookingID, rule.channel.rawValue, entry.kind.rawValue, entry.reminderOffsetMinutes,
                    entry.scheduleVersion, entry.jobID,
                ]) ?? false
            let situation = Fallback.Situation(
                original: entry, booking: booking, settings: settings, eventType: eventType, existing: existing,
                alreadyOnFallbackChannel: alreadyOnFallbackChannel)
            switch Fallback.decide(trigger, situation, now: now) {
            case .none:
                break
            case .insert(let job):
                _ = try NotificationJobRow(job).insertCached(db, sql: NotificationJobRow.insertSQL)
            case .sendNow(let jobID, let reason):
                try db.execute(
                    sql: """
                        UPDATE notification_jobs SET due_at = ?, last_error = ?, updated_at = ?
                        WHERE id = ? AND status = 'pending'
                        """,
                    arguments: [now, reason, now, jobID])
            case .cancel(let jobID, let reason):
                try db.execute(
                    sql: """
                        UPDATE notification_jobs SET status = 'cancelled', last_error = ?, updated_at = ?
                        WHERE id = ? AND status = 'pending'
                        """,
                    arguments: [reason, now, jobID])
            }
        }
    }
}
