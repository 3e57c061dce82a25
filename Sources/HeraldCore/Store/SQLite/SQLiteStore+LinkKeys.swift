import Foundation
import GRDB

// The keys that sign customers' links, on SQLite.
extension SQLiteStore {
    public func linkKeys() async throws -> [LinkKey] {
        try await read { db in try Self.linkKeys(db) }
    }

    public func addLinkKeyIfNone(_ key: LinkKey) async throws -> [LinkKey] {
        try await write { db in
            // The unique index on the current key makes a second current key a no-op.
            try db.execute(
                sql: "INSERT INTO link_keys (id, secret, created_at, retires_at) VALUES (?, ?, ?, NULL) ON CONFLICT DO NOTHING",
                arguments: [key.id, key.secret, key.createdAt])
            return try Self.linkKeys(db)
        }
    }

    public func rotateLinkKeys(to key: LinkKey, retiring: Date, now: Date) async throws -> [LinkKey] {
        try await write { db in
            try db.execute(sql: "UPDATE link_keys SET retires_at = ? WHERE retires_at IS NULL", arguments: [retiring])
            try db.execute(sql: "DELETE FROM link_keys WHERE retires_at <= ?", arguments: [now])
            try db.execute(
                sql: "INSERT INTO link_keys (id, secret, created_at, retires_at) VALUES (?, ?, ?, NULL)",
                arguments: [key.id, key.secret, key.createdAt])
            return try Self.linkKeys(db)
        }
    }

    static func linkKeys(_ db: Database) throws -> [LinkKey] {
        try Row.fetchAll(db, sql: "SELECT * FROM link_keys ORDER BY retires_at IS NOT NULL, created_at DESC, id").map { row in
            LinkKey(id: row["id"], secret: row["secret"], createdAt: row["created_at"], retiresAt: row["retires_at"])
        }
    }
}
