import GRDB

extension APIKey: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "api_keys"

    public init(row: Row) throws {
        let role: String = try row.decode(forColumn: "role")
        self.init(
            id: try row.decode(forColumn: "id"),
            tenantID: try row.decode(forColumn: "tenant_id"),
            role: Role(rawValue: role) ?? .tenant,
            prefix: try row.decode(forColumn: "prefix"),
            hash: try row.decode(forColumn: "hash"),
            name: try row.decode(forColumn: "name"),
            createdAt: try row.decode(forColumn: "created_at"),
            revokedAt: try row.decode(forColumn: "revoked_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["tenant_id"] = tenantID
        container["role"] = role.rawValue
        container["prefix"] = prefix
        container["hash"] = hash
        container["name"] = name
        container["created_at"] = createdAt
        container["revoked_at"] = revokedAt
    }
}
