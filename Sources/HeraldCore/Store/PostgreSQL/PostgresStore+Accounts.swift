import Foundation
import PostgresNIO

extension PostgresStore {
    public func recordAccounts(_ accounts: [ProviderAccountRecord]) async throws {
        guard !accounts.isEmpty else { return }
        try await write { connection in
            for account in accounts {
                try await connection.run("""
                    INSERT INTO provider_accounts (channel, provider, name, senders, rate_per_second, seen_at)
                    VALUES (\(account.channel), \(account.provider), \(account.name), \(try JSONColumn.encode(account.senders)),
                            \(account.ratePerSecond), \(account.seenAt.postgres))
                    ON CONFLICT (channel, provider, name) DO UPDATE SET
                        senders = excluded.senders, rate_per_second = excluded.rate_per_second, seen_at = excluded.seen_at
                    """, self.logger)
            }
        }
    }

    public func providerAccounts() async throws -> [ProviderAccountRecord] {
        try await read { connection in
            try await connection.rows(
                "SELECT * FROM provider_accounts ORDER BY channel COLLATE \"C\", provider COLLATE \"C\", name COLLATE \"C\"",
                self.logger
            ).map { row in
                let c = PostgresColumns(row)
                return ProviderAccountRecord(
                    channel: try c("channel"), provider: try c("provider"), name: try c("name"),
                    senders: try c.json("senders"), ratePerSecond: try c("rate_per_second"), seenAt: try c.date("seen_at"))
            }
        }
    }
}

extension PostgresStore {
    public func accountQueues(now: Date) async throws -> [AccountQueueStats] {
        try await read { connection in
            try await connection.rows("""
                SELECT channel, account, count(*) FILTER (WHERE due_at <= \(now.postgres)) AS due_now,
                       count(*) FILTER (WHERE due_at > \(now.postgres)) AS scheduled,
                       min(due_at) FILTER (WHERE due_at <= \(now.postgres)) AS oldest_due
                FROM notification_jobs WHERE status = 'pending'
                GROUP BY channel, account ORDER BY channel COLLATE "C", account COLLATE "C"
                """, self.logger
            ).map { row in
                let c = PostgresColumns(row)
                return AccountQueueStats(
                    channel: try c("channel"), account: try c("account"), dueNow: try c.int("due_now"),
                    scheduled: try c.int("scheduled"), oldestDue: try c.optionalDate("oldest_due"))
            }
        }
    }
}

extension PostgresStore {
    public func dueJobTimings(channel: String, account: String, now: Date, limit: Int) async throws -> [DueJobTiming] {
        try await read { connection in
            try await connection.rows("""
                SELECT id, tenant_id, booking_id, kind, due_at, not_after FROM notification_jobs
                WHERE status = 'pending' AND channel = \(channel) AND account = \(account) AND due_at <= \(now.postgres)
                ORDER BY due_at, seq
                LIMIT \(limit)
                """, self.logger
            ).map { row in
                let c = PostgresColumns(row)
                return DueJobTiming(
                    id: try c("id"), tenantID: try c("tenant_id"), bookingID: try c("booking_id"), kind: try c.value("kind"),
                    dueAt: try c.date("due_at"), notAfter: try c.optionalDate("not_after"))
            }
        }
    }
}
