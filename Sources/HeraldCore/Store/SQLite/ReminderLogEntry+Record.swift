import GRDB

extension ReminderLogEntry: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "reminder_log"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            jobID: try row.decode(forColumn: "job_id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            bookingID: try row.decode(forColumn: "booking_id"),
            channel: try row.decode(forColumn: "channel"),
            provider: try row.decode(forColumn: "provider"),
            kind: try row.decode(forColumn: "kind"),
            reminderOffsetMinutes: try row.decode(forColumn: "reminder_offset_minutes"),
            scheduleVersion: try row.decode(forColumn: "schedule_version"),
            recipient: try row.decode(forColumn: "recipient"),
            eventID: try row.decode(forColumn: "event_id"),
            outcome: try row.decode(forColumn: "outcome"),
            attempts: try row.decode(forColumn: "attempts"),
            providerMessageID: try row.decode(forColumn: "provider_message_id"),
            error: try row.decode(forColumn: "error"),
            loggedAt: try row.decode(forColumn: "logged_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["job_id"] = jobID
        container["tenant_id"] = tenantID
        container["booking_id"] = bookingID
        container["channel"] = channel
        container["provider"] = provider
        container["kind"] = kind
        container["reminder_offset_minutes"] = reminderOffsetMinutes
        container["schedule_version"] = scheduleVersion
        container["recipient"] = recipient
        container["event_id"] = eventID
        container["outcome"] = outcome
        container["attempts"] = attempts
        container["provider_message_id"] = providerMessageID
        container["error"] = error
        container["logged_at"] = loggedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
