import GRDB

extension Tenant: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "tenants"

    public init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            name: try row.decode(forColumn: "name"),
            createdAt: try row.decode(forColumn: "created_at")
        )
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["created_at"] = createdAt
    }
}
