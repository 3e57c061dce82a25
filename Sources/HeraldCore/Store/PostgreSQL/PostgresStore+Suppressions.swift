import Foundation
import PostgresNIO

// The suppression list on PostgreSQL. Changes go through ``writeConfiguration(_:)``:
// every core's tenant context (which knows whether a tenant has any entry) is dropped.
extension PostgresStore {
    public func addSuppression(_ suppression: Suppression) async throws -> Suppression {
        try await writeConfiguration { connection in
            try await Self.naming(entity: StoreEntity.suppression, id: suppression.recipient, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: suppression.tenantID)
            }) {
                try await Self.insertSuppression(suppression, connection, self.logger)
            }
            let stored: Suppression? = try await connection.one("""
                SELECT * FROM suppressions
                WHERE tenant_id = \(suppression.tenantID) AND channel = \(suppression.channel)
                  AND recipient = \(suppression.recipient) AND scope = \(suppression.scope.rawValue)
                """, self.logger)
            return stored ?? suppression
        }
    }

    /// Inserts unless the entry is there already (then nothing changes).
    static func insertSuppression(_ s: Suppression, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.run("""
            INSERT INTO suppressions (tenant_id, channel, recipient, scope, reason, source, created_at)
            VALUES (\(s.tenantID), \(s.channel), \(s.recipient), \(s.scope.rawValue), \(s.reason), \(s.source.rawValue),
                    \(s.createdAt.postgres))
            ON CONFLICT (tenant_id, channel, recipient, scope) DO NOTHING
            """, logger)
    }

    public func removeSuppression(
        tenantID: String, channel: String, recipient: String, scope: SuppressionScope
    ) async throws -> Bool {
        try await writeConfiguration { connection in
            try await connection.count("""
                DELETE FROM suppressions
                WHERE tenant_id = \(tenantID) AND channel = \(channel) AND recipient = \(recipient) AND scope = \(scope.rawValue)
                RETURNING 1
                """, self.logger) > 0
        }
    }

    public func suppressions(tenantID: String, channel: String?, limit: Int) async throws -> [Suppression] {
        try await read { connection in
            try await connection.all("""
                SELECT * FROM suppressions WHERE tenant_id = \(tenantID) AND (\(channel)::text IS NULL OR channel = \(channel))
                ORDER BY created_at DESC, channel COLLATE "C", recipient COLLATE "C", scope COLLATE "C" LIMIT \(limit)
                """, self.logger)
        }
    }

    public func suppressions(tenantID: String, recipients: [String]) async throws -> [Suppression] {
        guard !recipients.isEmpty else { return [] }
        return try await read { connection in
            try await connection.all(
                "SELECT * FROM suppressions WHERE tenant_id = \(tenantID) AND recipient = ANY(\(recipients))", self.logger)
        }
    }

    /// The entries for these jobs' tenants, channels and recipients, keyed by ``SuppressionKey``.
    func suppressions(for jobs: [NotificationJob], _ connection: PostgresConnection) async throws -> [SuppressionKey: [SuppressionScope]] {
        let keys = Array(Set(jobs.filter { Suppression.channels.contains($0.channel) }.map(SuppressionKey.init(job:))))
        guard !keys.isEmpty else { return [:] }
        var found: [SuppressionKey: [SuppressionScope]] = [:]
        for entry: Suppression in try await connection.all("""
            SELECT s.* FROM unnest(\(keys.map(\.tenantID))::text[], \(keys.map(\.channel))::text[], \(keys.map(\.recipient))::text[])
                AS k(tenant_id, channel, recipient)
            JOIN suppressions AS s USING (tenant_id, channel, recipient)
            """, logger)
        {
            found[SuppressionKey(tenantID: entry.tenantID, channel: entry.channel, recipient: entry.recipient), default: []]
                .append(entry.scope)
        }
        return found
    }
}

extension Suppression: PostgresModel {
    static let table = "suppressions"
    init(_ c: PostgresColumns) throws {
        self.init(
            tenantID: try c("tenant_id"), channel: try c("channel"), recipient: try c("recipient"),
            scope: try c.value("scope"), reason: try c("reason"), source: try c.value("source"),
            createdAt: try c.date("created_at"))
    }
}

// Customers' replies: STOP and START, as on SQLite.
extension PostgresStore {
    public func applyInbound(_ messages: [InboundMessage]) async throws -> [InboundDisposition] {
        guard !messages.isEmpty else { return [] }
        return try await write { try await self.apply(messages, $0) }
    }

    func apply(_ messages: [InboundMessage], _ connection: PostgresConnection) async throws -> [InboundDisposition] {
        guard !messages.isEmpty else { return [] }
        var dispositions: [InboundDisposition] = []
        var changed = false
        if let newest = messages.map(\.receivedAt).max() {
            try await connection.run(
                "DELETE FROM inbound_messages WHERE received_at < \(newest.addingTimeInterval(-InboundMessage.remembered).postgres)",
                logger)
        }
        for message in messages {
            if !message.providerMessageID.isEmpty {
                let inserted = try await connection.count("""
                    INSERT INTO inbound_messages (provider, provider_message_id, received_at)
                    VALUES (\(message.provider), \(message.providerMessageID), \(message.receivedAt.postgres))
                    ON CONFLICT (provider, provider_message_id) DO NOTHING
                    RETURNING 1
                    """, logger)
                guard inserted > 0 else {
                    dispositions.append(.duplicate)
                    continue
                }
            }
            guard InboundMessage.channels.contains(message.channel) else {
                dispositions.append(.ignored)
                continue
            }
            guard let meaning = message.meaning else {
                let kept = try await keepReply(message, connection)
                dispositions.append(kept ? .reply : .ignored)
                continue
            }
            let tenants = try await connection.strings(
                "SELECT tenant_id FROM bookings WHERE customer_phone = \(message.from) GROUP BY tenant_id ORDER BY tenant_id COLLATE \"C\"",
                logger)
            guard !tenants.isEmpty else {
                dispositions.append(.ignored)
                continue
            }
            for tenant in tenants {
                switch meaning {
                case .stop:
                    try await Self.insertSuppression(Suppression(
                        tenantID: tenant, channel: message.channel, recipient: message.from, scope: .all,
                        reason: "replied \(message.text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(20))",
                        source: .reply, createdAt: message.receivedAt), connection, logger)
                case .start:
                    try await connection.run("""
                        DELETE FROM suppressions
                        WHERE tenant_id = \(tenant) AND channel = \(message.channel) AND recipient = \(message.from) AND scope = 'all'
                        """, logger)
                }
            }
            changed = true
            dispositions.append(meaning == .stop ? .optedOut(tenants: tenants) : .optedIn(tenants: tenants))
        }
        // Every core's tenant context says whether the tenant has anyone on its list.
        if changed { try await Self.notifyConfigurationChanged(from: coreID, connection, logger) }
        return dispositions
    }
}

// Replies that act by keyword, kept until they have (PendingReply), as on SQLite.
extension PostgresStore {
    func keepReply(_ message: InboundMessage, _ connection: PostgresConnection) async throws -> Bool {
        guard !ReplyMeaning.word(message.text).isEmpty,
              try await connection.exists("""
                  SELECT 1 FROM bookings b JOIN notification_settings s ON s.tenant_id = b.tenant_id
                  WHERE b.customer_phone = \(message.from)
                    AND (s.reply_confirm_keywords <> '[]' OR s.reply_cancel_keywords <> '[]')
                  """, logger)
        else { return false }
        try await connection.run("""
            INSERT INTO pending_replies (channel, provider, provider_message_id, sender, text, received_at)
            VALUES (\(message.channel), \(message.provider), \(message.providerMessageID), \(message.from), \(message.text),
                    \(message.receivedAt.postgres))
            """, logger)
        return true
    }

    public func pendingReplies(limit: Int) async throws -> [PendingReply] {
        try await read { try await $0.all("SELECT * FROM pending_replies ORDER BY id LIMIT \(limit)", self.logger) }
    }

    public func decideReply(id: Int64, _ decision: PendingReply.Decision) async throws -> PendingReply? {
        try await write { connection in
            try await connection.run("""
                UPDATE pending_replies SET booking_id = \(decision.bookingID), action = \(decision.action.rawValue)
                WHERE id = \(id) AND booking_id IS NULL
                """, self.logger)
            return try await connection.one("SELECT * FROM pending_replies WHERE id = \(id)", self.logger)
        }
    }

    public func finishReply(id: Int64) async throws {
        try await write { try await $0.run("DELETE FROM pending_replies WHERE id = \(id)", self.logger) }
    }
}

extension PendingReply: PostgresModel {
    static let table = "pending_replies"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"),
            message: InboundMessage(
                channel: try c("channel"), provider: try c("provider"), providerMessageID: try c("provider_message_id"),
                from: try c("sender"), text: try c("text"), receivedAt: try c.date("received_at")),
            decision: PendingReply.decision(bookingID: try c("booking_id"), action: try c("action")))
    }
}

extension PostgresStore {
    public func upcomingBookings(customerPhone phone: String, after: Date, limit: Int) async throws -> [Booking] {
        try await read { connection in
            try await connection.all("""
                SELECT * FROM bookings
                WHERE customer_phone = \(phone) AND status IN ('pending', 'confirmed') AND start_at > \(after.postgres)
                ORDER BY start_at, id COLLATE "C" LIMIT \(limit)
                """, self.logger)
        }
    }
}
