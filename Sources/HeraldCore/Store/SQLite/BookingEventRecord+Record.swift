import GRDB

extension BookingEventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "booking_events"

    public init(row: Row) throws {
        self.init(
            sequence: try row.decode(forColumn: "sequence"),
            id: try row.decode(forColumn: "id"),
            type: try row.decode(forColumn: "type"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            bookingID: try row.decode(forColumn: "booking_id"),
            occurredAt: try row.decode(forColumn: "occurred_at"),
            booking: try JSONColumn.decode(Booking.self, from: row.decode(forColumn: "booking")),
            previousStartAt: try row.decode(forColumn: "previous_start_at"),
            previousEndAt: try row.decode(forColumn: "previous_end_at"),
            previousStatus: try row.decode(forColumn: "previous_status")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["sequence"] = sequence
        container["id"] = id
        container["type"] = type
        container["tenant_id"] = tenantID
        container["booking_id"] = bookingID
        container["occurred_at"] = occurredAt
        container["booking"] = try JSONColumn.encode(booking)
        container["previous_start_at"] = previousStartAt
        container["previous_end_at"] = previousEndAt
        container["previous_status"] = previousStatus
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        sequence = inserted.rowID
    }
}
