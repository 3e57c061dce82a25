import Foundation
import GRDB
import Logging
import PostgresNIO

/// Copies a stopped SQLite core's data into an empty PostgreSQL database: the way
/// from one machine to several cores (`heraldd copy`).
///
/// Everything goes in one PostgreSQL transaction, so a failed copy leaves the
/// database empty. Rows keep their ids, ReminderLog ids and event sequences
/// included (consumers resume from the last sequence they saw), and jobs keep their
/// order. Before committing, the row count of every table is compared with the
/// SQLite file's; any difference aborts the copy. Jobs still leased by the stopped
/// core are copied leased without a core name: the first core started on the copy
/// gives them back at once (``PostgresStore/releaseAllLeases(now:)``).
public enum SQLiteToPostgres {
    /// The tables in copy order (parents before children), with the column that keeps
    /// SQLite's insertion order.
    static let tables: [(name: String, order: String)] = [
        ("tenants", "rowid"), ("notification_settings", "rowid"), ("event_types", "rowid"), ("bookings", "rowid"),
        ("webhook_subscriptions", "rowid"), ("team_destinations", "rowid"), ("message_templates", "rowid"),
        ("api_keys", "rowid"), ("idempotency_keys", "rowid"), ("suppressions", "rowid"), ("inbound_messages", "rowid"),
        ("link_keys", "rowid"), ("pending_replies", "id"), ("provider_accounts", "rowid"), ("notification_jobs", "rowid"),
        ("booking_events", "sequence"), ("reminder_log", "id"), ("delivery_states", "log_id"),
    ]

    /// Rows copied per table, in copy order.
    public struct Report: Sendable, Equatable {
        public var counts: [(table: String, rows: Int)]
        public static func == (a: Report, b: Report) -> Bool {
            a.counts.map(\.table) == b.counts.map(\.table) && a.counts.map(\.rows) == b.counts.map(\.rows)
        }
    }

    public enum CopyError: Error, CustomStringConvertible {
        case notEmpty(table: String, rows: Int)
        case countMismatch(table: String, sqlite: Int, postgres: Int)
        case missingSource(String)

        public var description: String {
            switch self {
            case let .notEmpty(table, rows):
                "the PostgreSQL database is not empty (\(table) has \(rows) rows); copy only into a new database"
            case let .countMismatch(table, sqlite, postgres):
                "\(table): \(sqlite) rows in SQLite but \(postgres) copied; nothing was kept"
            case let .missingSource(path):
                "no SQLite database at \(path)"
            }
        }
    }

    /// Rows read from SQLite and written to PostgreSQL at a time.
    static let pageSize = 1000

    public static func copy(
        from path: String, to location: PostgresLocation, logger: Logger,
        progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> Report {
        guard FileManager.default.fileExists(atPath: path) else { throw CopyError.missingSource(path) }
        // Opening migrates the file to this version's schema first, as a core would.
        let source = try SQLiteStore(path: path)
        let target = try await PostgresStore.open(location, coreID: "copy", logger: logger)
        defer { target.close() }
        do {
            return try await target.write { connection in
                for (table, _) in tables {
                    let rows = try await connection.count(table: table, logger)
                    guard rows == 0 else { throw CopyError.notEmpty(table: table, rows: rows) }
                }
                var report = Report(counts: [])
                for (table, order) in tables {
                    let copied = try await copy(table: table, order: order, from: source.database, connection, logger)
                    progress(table, copied)
                    let sqliteRows = try await source.database.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                    }
                    let postgresRows = try await connection.count(table: table, logger)
                    guard sqliteRows == postgresRows, copied == sqliteRows else {
                        throw CopyError.countMismatch(table: table, sqlite: sqliteRows, postgres: postgresRows)
                    }
                    report.counts.append((table, postgresRows))
                }
                // The next ids continue after the copied ones.
                for (table, column) in [("booking_events", "sequence"), ("reminder_log", "id"), ("notification_jobs", "seq")] {
                    try await connection.run("""
                        SELECT setval(pg_get_serial_sequence(\(table), \(column)),
                                      coalesce((SELECT max(\(unescaped: column)) FROM \(unescaped: table)), 0) + 1, false)
                        """, logger)
                }
                return report
            }
        } catch let error as StoreError {
            if case let .underlying(inner) = error, let copyError = inner as? CopyError { throw copyError }
            throw error
        }
    }

    /// Copies one table a page at a time; returns how many rows.
    private static func copy(
        table: String, order: String, from database: any DatabaseWriter, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Int {
        var copied = 0
        var after: Int64 = .min
        while true {
            let page = try await database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(order) AS copy_order, * FROM \(table) WHERE \(order) > ? ORDER BY \(order) LIMIT ?",
                    arguments: [after, pageSize])
            }
            guard let last = page.last else { return copied }
            after = last["copy_order"]
            for row in page {
                try await connection.run(try insert(table, row), logger)
            }
            copied += page.count
        }
    }

    /// The INSERT of one SQLite row into the same table on PostgreSQL.
    private static func insert(_ table: String, _ row: Row) throws -> PostgresQuery {
        switch table {
        case "tenants": return PostgresInsert.tenant(try TenantRow(row: row).model)
        case "notification_settings": return try PostgresInsert.settings(try NotificationSettingsRow(row: row).model)
        case "event_types": return try PostgresInsert.eventType(try EventTypeRow(row: row).model)
        case "bookings": return PostgresInsert.booking(try BookingRow(row: row).model)
        case "webhook_subscriptions": return try PostgresInsert.webhook(try WebhookSubscriptionRow(row: row).model)
        case "team_destinations": return try PostgresInsert.teamDestination(try TeamDestinationRow(row: row).model)
        case "message_templates": return PostgresInsert.template(try MessageTemplateRow(row: row).model)
        case "api_keys": return PostgresInsert.apiKey(try APIKeyRow(row: row).model)
        case "notification_jobs": return PostgresInsert.job(try NotificationJobRow(row: row).model)
        case "booking_events": return try PostgresInsert.event(try BookingEventRow(row: row).model, keepingSequence: true)
        case "reminder_log": return PostgresInsert.log(try ReminderLogRow(row: row).model, keepingID: true)
        case "inbound_messages":
            let receivedAt: Date = row["received_at"]
            return """
                INSERT INTO inbound_messages (provider, provider_message_id, received_at)
                VALUES (\(row["provider"] as String), \(row["provider_message_id"] as String), \(receivedAt.postgres))
                """
        case "pending_replies":
            // A new id on PostgreSQL (only the order matters, and the copy keeps it).
            let receivedAt: Date = row["received_at"]
            return """
                INSERT INTO pending_replies (channel, provider, provider_message_id, sender, text, received_at, booking_id, action)
                VALUES (\(row["channel"] as String), \(row["provider"] as String), \(row["provider_message_id"] as String),
                        \(row["sender"] as String), \(row["text"] as String), \(receivedAt.postgres),
                        \(row["booking_id"] as String?), \(row["action"] as String?))
                """
        case "provider_accounts":
            // Tenants' account choices are checked against these until workers register again.
            let seenAt: Date = row["seen_at"]
            return """
                INSERT INTO provider_accounts (channel, provider, name, senders, rate_per_second, seen_at)
                VALUES (\(row["channel"] as String), \(row["provider"] as String), \(row["name"] as String),
                        \(row["senders"] as String), \(row["rate_per_second"] as Double), \(seenAt.postgres))
                """
        case "link_keys":
            // Links already in customers' inboxes keep opening after the move.
            let createdAt: Date = row["created_at"], retiresAt: Date? = row["retires_at"], secret: Data = row["secret"]
            return try """
                INSERT INTO link_keys (id, secret, created_at, retires_at)
                VALUES (\(row["id"] as String), \(secret), \(createdAt.postgres), \(retiresAt?.postgres))
                """
        case "suppressions":
            let createdAt: Date = row["created_at"]
            return """
                INSERT INTO suppressions (tenant_id, channel, recipient, scope, reason, source, created_at)
                VALUES (\(row["tenant_id"] as String), \(row["channel"] as String), \(row["recipient"] as String),
                        \(row["scope"] as String), \(row["reason"] as String), \(row["source"] as String),
                        \(createdAt.postgres))
                """
        case "delivery_states":
            let statusAt: Date = row["status_at"], updatedAt: Date = row["updated_at"]
            return """
                INSERT INTO delivery_states (log_id, status, status_at, provider_status, error_code, error, updated_at)
                VALUES (\(row["log_id"] as Int64), \(row["status"] as String), \(statusAt.postgres),
                        \(row["provider_status"] as String?), \(row["error_code"] as String?), \(row["error"] as String?),
                        \(updatedAt.postgres))
                """
        case "idempotency_keys":
            let status: Int? = row["status"]
            let body: Data? = row["body"]
            let contentType: String? = row["content_type"]
            let location: String? = row["location"]
            let createdAt: Date = row["created_at"]
            return try """
                INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, content_type, location, created_at)
                VALUES (\(row["scope"] as String), \(row["key"] as String), \(row["fingerprint"] as String), \(status),
                        \(body), \(contentType), \(location), \(createdAt.postgres))
                """
        default:
            preconditionFailure("no copy for table \(table)")
        }
    }
}

extension PostgresConnection {
    func count(table: String, _ logger: Logger) async throws -> Int {
        try await rows("SELECT count(*) FROM \(unescaped: table)", logger).first.map { Int(try $0.decode(Int64.self)) } ?? 0
    }
}
