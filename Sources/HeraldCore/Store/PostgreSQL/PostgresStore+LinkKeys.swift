import Foundation
import PostgresNIO

// The keys that sign customers' links, on PostgreSQL: shared by every core on the
// database, so a link one core signed opens on any other.
extension PostgresStore {
    public func linkKeys() async throws -> [LinkKey] {
        try await read { try await Self.linkKeys($0, self.logger) }
    }

    public func addLinkKeyIfNone(_ key: LinkKey) async throws -> [LinkKey] {
        try await write { connection in
            // The unique index on the current key makes a second current key a no-op.
            try await connection.run("""
                INSERT INTO link_keys (id, secret, created_at, retires_at)
                VALUES (\(key.id), \(key.secret), \(key.createdAt.postgres), NULL) ON CONFLICT DO NOTHING
                """, self.logger)
            return try await Self.linkKeys(connection, self.logger)
        }
    }

    public func rotateLinkKeys(to key: LinkKey, retiring: Date, now: Date) async throws -> [LinkKey] {
        try await write { connection in
            // Rotations one at a time: the second waits and retires the first one's key.
            try await connection.run("LOCK TABLE link_keys IN EXCLUSIVE MODE", self.logger)
            try await connection.run(
                "UPDATE link_keys SET retires_at = \(retiring.postgres) WHERE retires_at IS NULL", self.logger)
            try await connection.run("DELETE FROM link_keys WHERE retires_at <= \(now.postgres)", self.logger)
            try await connection.run("""
                INSERT INTO link_keys (id, secret, created_at, retires_at)
                VALUES (\(key.id), \(key.secret), \(key.createdAt.postgres), NULL)
                """, self.logger)
            return try await Self.linkKeys(connection, self.logger)
        }
    }

    static func linkKeys(_ connection: PostgresConnection, _ logger: Logger) async throws -> [LinkKey] {
        try await connection.all(
            "SELECT * FROM link_keys ORDER BY retires_at IS NOT NULL, created_at DESC, id COLLATE \"C\"", logger)
    }
}

extension LinkKey: PostgresModel {
    static let table = "link_keys"
    init(_ c: PostgresColumns) throws {
        self.init(id: try c("id"), secret: try c("secret"), createdAt: try c.date("created_at"), retiresAt: try c.optionalDate("retires_at"))
    }
}
