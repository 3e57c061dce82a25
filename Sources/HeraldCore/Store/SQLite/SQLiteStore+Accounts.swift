import Foundation
import GRDB

extension SQLiteStore {
    public func recordAccounts(_ accounts: [ProviderAccountRecord]) async throws {
        guard !accounts.isEmpty else { return }
        try await write { db in
            for account in accounts {
                try db.execute(
                    sql: """
                        INSERT INTO provider_accounts (channel, provider, name, senders, rate_per_second, seen_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (channel, provider, name) DO UPDATE SET
                            senders = excluded.senders, rate_per_second = excluded.rate_per_second, seen_at = excluded.seen_at
                        """,
                    arguments: [
                        account.channel, account.provider, account.name, try JSONColumn.encode(account.senders),
                        account.ratePerSecond, account.seenAt,
                    ])
            }
        }
    }

    public func providerAccounts() async throws -> [ProviderAccountRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM provider_accounts ORDER BY channel, provider, name").map { row in
                ProviderAccountRecord(
                    channel: row["channel"], provider: row["provider"], name: row["name"],
                    senders: try JSONColumn.decode([String].self, from: row["senders"]),
                    ratePerSecond: row["rate_per_second"], seenAt: row["seen_at"])
            }
        }
    }
}

extension SQLiteStore {
    public func accountQueues(now: Date) async throws -> [AccountQueueStats] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT channel, account, SUM(due_at <= ?) AS due_now, SUM(due_at > ?) AS scheduled,
                       MIN(CASE WHEN due_at <= ? THEN due_at END) AS oldest_due
                FROM notification_jobs WHERE status = 'pending'
                GROUP BY channel, account ORDER BY channel, account
                """, arguments: [now, now, now]
            ).map { row in
                AccountQueueStats(
                    channel: row["channel"], account: row["account"], dueNow: row["due_now"], scheduled: row["scheduled"],
                    oldestDue: row["oldest_due"])
            }
        }
    }
}

extension SQLiteStore {
    public func dueJobTimings(channel: String, account: String, now: Date, limit: Int) async throws -> [DueJobTiming] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, tenant_id, booking_id, kind, due_at, not_after FROM notification_jobs
                WHERE status = 'pending' AND channel = ? AND account = ? AND due_at <= ?
                ORDER BY due_at, rowid
                LIMIT ?
                """, arguments: [channel, account, now, limit]
            ).compactMap { row in
                guard let kind = NotificationKind(rawValue: row["kind"]) else { return nil }
                return DueJobTiming(
                    id: row["id"], tenantID: row["tenant_id"], bookingID: row["booking_id"], kind: kind,
                    dueAt: row["due_at"], notAfter: row["not_after"])
            }
        }
    }
}
