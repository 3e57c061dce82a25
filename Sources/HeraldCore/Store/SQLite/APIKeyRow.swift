import Foundation
import GRDB

/// A row of `api_keys`.
struct APIKeyRow: ModelRow, PersistableRecord {
    static let databaseTableName = "api_keys"

    var id: String
    var tenantID: String?
    /// `tenant` or `admin` (a CHECK constraint); read as a tenant key should it ever be neither.
    var role: String
    var prefix: String
    var hash: String
    var name: String
    var createdAt: Date
    var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case tenantID = "tenant_id"
        case role
        case prefix
        case hash
        case name
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantID = Column(CodingKeys.tenantID)
        static let role = Column(CodingKeys.role)
        static let prefix = Column(CodingKeys.prefix)
        static let hash = Column(CodingKeys.hash)
        static let name = Column(CodingKeys.name)
        static let createdAt = Column(CodingKeys.createdAt)
        static let revokedAt = Column(CodingKeys.revokedAt)
    }

    init(_ key: APIKey) {
        id = key.id
        tenantID = key.tenantID
        role = key.role.rawValue
        prefix = key.prefix
        hash = key.hash
        name = key.name
        createdAt = key.createdAt
        revokedAt = key.revokedAt
    }

    var model: APIKey {
        APIKey(
            id: id, tenantID: tenantID, role: APIKey.Role(rawValue: role) ?? .tenant, prefix: prefix, hash: hash,
            name: name, createdAt: createdAt, revokedAt: revokedAt)
    }
}

extension APIKey: StoredInTable {
    typealias Row = APIKeyRow
}
