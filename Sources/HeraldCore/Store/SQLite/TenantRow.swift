import Foundation
import GRDB

/// A row of `tenants`.
struct TenantRow: ModelRow, PersistableRecord {
    static let databaseTableName = "tenants"

    var id: String
    var name: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ tenant: Tenant) {
        id = tenant.id
        name = tenant.name
        createdAt = tenant.createdAt
    }

    var model: Tenant {
        Tenant(id: id, name: name, createdAt: createdAt)
    }
}

extension Tenant: StoredInTable {
    typealias Row = TenantRow
}

extension TenantRow {
    /// The tenant with this id, through a cached statement (every booking write reads it).
    static func find(id: String) -> SQLRequest<TenantRow> {
        SQLRequest(literal: "SELECT * FROM \(self) WHERE \(CodingKeys.id) = \(id)", cached: true)
    }
}
