import Foundation

/// A credential of the HTTP gateway: a tenant key sees one tenant's data, an
/// admin key every tenant's. The store keeps only the key's hash.
public struct APIKey: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable, CaseIterable {
        case tenant
        case admin
    }

    public var id: String
    /// The owning tenant; nil only for an admin key made without one.
    public var tenantID: String?
    public var role: Role
    /// The key's first characters, shown in lists so a person can tell keys apart.
    public var prefix: String
    /// Lower-case hex SHA-256 of the whole key.
    public var hash: String
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(
        id: String, tenantID: String?, role: Role, prefix: String, hash: String, name: String,
        createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.role = role
        self.prefix = prefix
        self.hash = hash
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
