import GRDB

extension TeamDestination: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "team_destinations"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            channel: try row.decode(forColumn: "channel"),
            recipient: try row.decode(forColumn: "recipient"),
            eventTypes: try JSONColumn.decode([String].self, from: row.decode(forColumn: "event_types")),
            enabled: try row.decode(forColumn: "enabled"),
            disabledReason: try row.decode(forColumn: "disabled_reason"),
            createdAt: try row.decode(forColumn: "created_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["tenant_id"] = tenantID
        container["channel"] = channel
        container["recipient"] = recipient
        container["event_types"] = try JSONColumn.encode(eventTypes)
        container["enabled"] = enabled
        container["disabled_reason"] = disabledReason
        container["created_at"] = createdAt
    }
}
