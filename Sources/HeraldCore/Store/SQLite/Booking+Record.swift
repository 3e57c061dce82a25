import GRDB

extension Booking: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "bookings"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            eventTypeID: try row.decode(forColumn: "event_type_id"),
            customerName: try row.decode(forColumn: "customer_name"),
            customerEmail: try row.decode(forColumn: "customer_email"),
            customerPhone: try row.decode(forColumn: "customer_phone"),
            startAt: try row.decode(forColumn: "start_at"),
            endAt: try row.decode(forColumn: "end_at"),
            status: try row.decode(forColumn: "status"),
            scheduleVersion: try row.decode(forColumn: "schedule_version"),
            createdAt: try row.decode(forColumn: "created_at"),
            updatedAt: try row.decode(forColumn: "updated_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["tenant_id"] = tenantID
        container["event_type_id"] = eventTypeID
        container["customer_name"] = customerName
        container["customer_email"] = customerEmail
        container["customer_phone"] = customerPhone
        container["start_at"] = startAt
        container["end_at"] = endAt
        container["status"] = status
        container["schedule_version"] = scheduleVersion
        container["created_at"] = createdAt
        container["updated_at"] = updatedAt
    }
}
