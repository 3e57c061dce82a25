import GRDB

extension NotificationJob: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "notification_jobs"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            bookingID: try row.decode(forColumn: "booking_id"),
            kind: try row.decode(forColumn: "kind"),
            channel: try row.decode(forColumn: "channel"),
            provider: try row.decode(forColumn: "provider"),
            fallbackProvider: try row.decode(forColumn: "fallback_provider"),
            recipient: try row.decode(forColumn: "recipient"),
            reminderOffsetMinutes: try row.decode(forColumn: "reminder_offset_minutes"),
            scheduleVersion: try row.decode(forColumn: "schedule_version"),
            eventID: try row.decode(forColumn: "event_id"),
            subscriptionID: try row.decode(forColumn: "subscription_id"),
            teamDestinationID: try row.decode(forColumn: "team_destination_id"),
            dueAt: try row.decode(forColumn: "due_at"),
            notAfter: try row.decode(forColumn: "not_after"),
            status: try row.decode(forColumn: "status"),
            attempt: try row.decode(forColumn: "attempt"),
            leasedTo: try row.decode(forColumn: "leased_to"),
            leaseExpiresAt: try row.decode(forColumn: "lease_expires_at"),
            lastError: try row.decode(forColumn: "last_error"),
            createdAt: try row.decode(forColumn: "created_at"),
            updatedAt: try row.decode(forColumn: "updated_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["tenant_id"] = tenantID
        container["booking_id"] = bookingID
        container["kind"] = kind
        container["channel"] = channel
        container["provider"] = provider
        container["fallback_provider"] = fallbackProvider
        container["recipient"] = recipient
        container["reminder_offset_minutes"] = reminderOffsetMinutes
        container["schedule_version"] = scheduleVersion
        container["event_id"] = eventID
        container["subscription_id"] = subscriptionID
        container["team_destination_id"] = teamDestinationID
        container["due_at"] = dueAt
        container["not_after"] = notAfter
        container["status"] = status
        container["attempt"] = attempt
        container["leased_to"] = leasedTo
        container["lease_expires_at"] = leaseExpiresAt
        container["last_error"] = lastError
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
    }
}
