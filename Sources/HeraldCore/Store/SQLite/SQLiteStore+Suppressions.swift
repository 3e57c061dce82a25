import Foundation
import GRDB

// The suppression list on SQLite. Written on the writer connection, so the tenant
// context cache (which knows whether a tenant has any entry) hears of every change.
extension SQLiteStore {
    public func addSuppression(_ suppression: Suppression) async throws -> Suppression {
        try await write { db in
            try mappingConstraints(db, entity: StoreEntity.suppression, id: suppression.recipient, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: suppression.tenantID)
            }) {
                try Self.insertSuppression(suppression, db)
            }
            return try Self.suppression(
                tenantID: suppression.tenantID, channel: suppression.channel, recipient: suppression.recipient,
                scope: suppression.scope, db) ?? suppression
        }
    }

    /// Inserts unless the entry is there already (then nothing changes).
    static func insertSuppression(_ s: Suppression, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO suppressions (tenant_id, channel, recipient, scope, reason, source, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (tenant_id, channel, recipient, scope) DO NOTHING
                """,
            arguments: [s.tenantID, s.channel, s.recipient, s.scope.rawValue, s.reason, s.source.rawValue, s.createdAt])
    }

    public func removeSuppression(
        tenantID: String, channel: String, recipient: String, scope: SuppressionScope
    ) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM suppressions WHERE tenant_id = ? AND channel = ? AND recipient = ? AND scope = ?",
                arguments: [tenantID, channel, recipient, scope.rawValue])
            return db.changesCount > 0
        }
    }

    public func suppressions(tenantID: String, channel: String?, limit: Int) async throws -> [Suppression] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM suppressions WHERE tenant_id = ? AND (? IS NULL OR channel = ?)
                    ORDER BY created_at DESC, channel, recipient, scope LIMIT ?
                    """,
                arguments: [tenantID, channel, channel, limit]
            ).compactMap(Self.suppression(row:))
        }
    }

    public func suppressions(tenantID: String, recipients: [String]) async throws -> [Suppression] {
        guard !recipients.isEmpty else { return [] }
        return try await read { db in try Self.suppressions(tenantID: tenantID, recipients: recipients, db) }
    }

    static func suppressions(tenantID: String, recipients: [String], _ db: Database) throws -> [Suppression] {
        try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT * FROM suppressions
                WHERE tenant_id = ? AND recipient IN (SELECT value FROM json_each(?))
                """),
            arguments: [tenantID, try jsonArray(recipients)]
        ).compactMap(Self.suppression(row:))
    }

    /// The entries for these jobs' tenants, channels and recipients (what the send-time
    /// check needs of a lease batch), keyed by ``SuppressionKey``.
    static func suppressions(for jobs: [NotificationJob], _ db: Database) throws -> [SuppressionKey: [SuppressionScope]] {
        let keys = Set(jobs.filter { Suppression.channels.contains($0.channel) }.map(SuppressionKey.init(job:)))
        guard !keys.isEmpty else { return [:] }
        let encoded = try String(decoding: JSONEncoder().encode(keys.map { [$0.tenantID, $0.channel, $0.recipient] }), as: UTF8.self)
        var found: [SuppressionKey: [SuppressionScope]] = [:]
        for row in try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT s.tenant_id, s.channel, s.recipient, s.scope FROM json_each(?) AS k
                JOIN suppressions AS s ON s.tenant_id = json_extract(k.value, '$[0]')
                    AND s.channel = json_extract(k.value, '$[1]') AND s.recipient = json_extract(k.value, '$[2]')
                """),
            arguments: [encoded])
        {
            guard let scope = SuppressionScope(rawValue: row["scope"]) else { continue }
            found[SuppressionKey(tenantID: row["tenant_id"], channel: row["channel"], recipient: row["recipient"]), default: []]
                .append(scope)
        }
        return found
    }

    private static func suppression(
        tenantID: String, channel: String, recipient: String, scope: SuppressionScope, _ db: Database
    ) throws -> Suppression? {
        try Row.fetchOne(
            db,
            sql: "SELECT * FROM suppressions WHERE tenant_id = ? AND channel = ? AND recipient = ? AND scope = ?",
            arguments: [tenantID, channel, recipient, scope.rawValue]
        ).flatMap(suppression(row:))
    }

    private static func suppression(row: Row) -> Suppression? {
        guard let scope = SuppressionScope(rawValue: row["scope"]), let source = SuppressionSource(rawValue: row["source"])
        else { return nil }
        return Suppression(
            tenantID: row["tenant_id"], channel: row["channel"], recipient: row["recipient"], scope: scope,
            reason: row["reason"], source: source, createdAt: row["created_at"])
    }
}

// Customers' replies: STOP and START.
extension SQLiteStore {
    public func applyInbound(_ messages: [InboundMessage]) async throws -> [InboundDisposition] {
        guard !messages.isEmpty else { return [] }
        return try await write { db in try Self.apply(messages, db) }
    }

    static func apply(_ messages: [InboundMessage], _ db: Database) throws -> [InboundDisposition] {
        guard !messages.isEmpty else { return [] }
        var dispositions: [InboundDisposition] = []
        if let newest = messages.map(\.receivedAt).max() {
            try db.execute(
                sql: "DELETE FROM inbound_messages WHERE received_at < ?",
                arguments: [newest.addingTimeInterval(-InboundMessage.remembered)])
        }
        for message in messages {
            if !message.providerMessageID.isEmpty {
                try db.execute(
                    sql: """
                        INSERT INTO inbound_messages (provider, provider_message_id, received_at) VALUES (?, ?, ?)
                        ON CONFLICT (provider, provider_message_id) DO NOTHING
                        """,
                    arguments: [message.provider, message.providerMessageID, message.receivedAt])
                guard db.changesCount > 0 else {
                    dispositions.append(.duplicate)
                    continue
                }
            }
            guard InboundMessage.channels.contains(message.channel) else {
                dispositions.append(.ignored)
                continue
            }
            guard let meaning = message.meaning else {
                let kept = try keepReply(message, db)
                dispositions.append(kept ? .reply : .ignored)
                continue
            }
            let tenants = try String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT tenant_id FROM bookings WHERE customer_phone = ? ORDER BY tenant_id"),
                arguments: [message.from])
            guard !tenants.isEmpty else {
                dispositions.append(.ignored)
                continue
            }
            for tenant in tenants {
                switch meaning {
                case .stop:
                    try insertSuppression(Suppression(
                        tenantID: tenant, channel: message.channel, recipient: message.from, scope: .all,
                        reason: "replied \(message.text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(20))",
                        source: .reply, createdAt: message.receivedAt), db)
                case .start:
                    try db.execute(
                        sql: "DELETE FROM suppressions WHERE tenant_id = ? AND channel = ? AND recipient = ? AND scope = 'all'",
                        arguments: [tenant, message.channel, message.from])
                }
            }
            dispositions.append(meaning == .stop ? .optedOut(tenants: tenants) : .optedIn(tenants: tenants))
        }
        return dispositions
    }
}

// Replies that act by keyword, kept until they have (PendingReply).
extension SQLiteStore {
    /// Keeps `message` as a pending reply if a tenant with a booking for the sender has
    /// reply keywords; whether it did.
    static func keepReply(_ message: InboundMessage, _ db: Database) throws -> Bool {
        guard !ReplyMeaning.word(message.text).isEmpty,
              try Bool.fetchOne(
                  db.cachedStatement(sql: """
                      SELECT EXISTS (SELECT 1 FROM bookings b JOIN notification_settings s ON s.tenant_id = b.tenant_id
                          WHERE b.customer_phone = ? AND (s.reply_confirm_keywords <> '[]' OR s.reply_cancel_keywords <> '[]'))
                      """),
                  arguments: [message.from]) == true
        else { return false }
        try db.execute(
            sql: """
                INSERT INTO pending_replies (channel, provider, provider_message_id, sender, text, received_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [message.channel, message.provider, message.providerMessageID, message.from, message.text, message.receivedAt])
        return true
    }

    public func pendingReplies(limit: Int) async throws -> [PendingReply] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pending_replies ORDER BY id LIMIT ?", arguments: [limit]).map(Self.pendingReply)
        }
    }

    public func decideReply(id: Int64, _ decision: PendingReply.Decision) async throws -> PendingReply? {
        try await write { db in
            try db.execute(
                sql: "UPDATE pending_replies SET booking_id = ?, action = ? WHERE id = ? AND booking_id IS NULL",
                arguments: [decision.bookingID, decision.action.rawValue, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM pending_replies WHERE id = ?", arguments: [id]).map(Self.pendingReply)
        }
    }

    public func finishReply(id: Int64) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM pending_replies WHERE id = ?", arguments: [id]) }
    }

    private static func pendingReply(_ row: Row) -> PendingReply {
        let bookingID: String? = row["booking_id"], action: String? = row["action"]
        return PendingReply(
            id: row["id"],
            message: InboundMessage(
                channel: row["channel"], provider: row["provider"], providerMessageID: row["provider_message_id"],
                from: row["sender"], text: row["text"], receivedAt: row["received_at"]),
            decision: PendingReply.decision(bookingID: bookingID, action: action))
    }
}

extension SQLiteStore {
    public func upcomingBookings(customerPhone phone: String, after: Date, limit: Int) async throws -> [Booking] {
        try await read { db in
            try BookingRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM bookings
                    WHERE customer_phone = ? AND status IN ('pending', 'confirmed') AND start_at > ?
                    ORDER BY start_at, id LIMIT ?
                    """,
                arguments: [phone, after, limit]
            ).map(\.model)
        }
    }
}
