import GRDB

extension EventType: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "event_types"

    public init(row: Row) throws {
        let offsets: String? = try row.decode(forColumn: "reminder_offsets")
        self.init(
            tenantID: try row.decode(forColumn: "tenant_id"),
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            durationMinutes: try row.decode(forColumn: "duration_minutes"),
            reminderOffsets: try offsets.map { try JSONColumn.decode([Int].self, from: $0) },
            hostEmails: try JSONColumn.decode([String].self, from: row.decode(forColumn: "host_emails")),
            sendConfirmation: try row.decode(forColumn: "send_confirmation"),
            sendRescheduleNotice: try row.decode(forColumn: "send_reschedule_notice"),
            sendCancellationNotice: try row.decode(forColumn: "send_cancellation_notice"),
            createdAt: try row.decode(forColumn: "created_at"),
            updatedAt: try row.decode(forColumn: "updated_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["tenant_id"] = tenantID
        container["id"] = id
        container["name"] = name
        container["duration_minutes"] = durationMinutes
        container["reminder_offsets"] = try reminderOffsets.map { try JSONColumn.encode($0) }
        container["host_emails"] = try JSONColumn.encode(hostEmails)
        container["send_confirmation"] = sendConfirmation
        container["send_reschedule_notice"] = sendRescheduleNotice
        container["send_cancellation_notice"] = sendCancellationNotice
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
    }
}
