import GRDB

extension WebhookSubscription: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "webhook_subscriptions"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            url: try row.decode(forColumn: "url"),
            eventTypes: try JSONColumn.decode([String].self, from: row.decode(forColumn: "event_types")),
            secret: try row.decode(forColumn: "secret"),
            enabled: try row.decode(forColumn: "enabled"),
            disabledReason: try row.decode(forColumn: "disabled_reason"),
            createdAt: try row.decode(forColumn: "created_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["tenant_id"] = tenantID
        container["url"] = url
        container["event_types"] = try JSONColumn.encode(eventTypes)
        container["secret"] = secret
        container["enabled"] = enabled
        container["disabled_reason"] = disabledReason
        container["created_at"] = createdAt
    }
}
