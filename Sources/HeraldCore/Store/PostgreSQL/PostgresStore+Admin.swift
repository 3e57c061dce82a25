import Foundation
import PostgresNIO

// The admin API's reads and writes on PostgreSQL (AdminStore). Text is ordered
// `COLLATE "C"` (byte order), as SQLite orders it, whatever the database's locale.
extension PostgresStore {
    // MARK: Constraint errors

    /// Runs `body` (an insert), naming the row in the constraint errors it throws: a
    /// taken key is ``StoreError/alreadyExists(entity:id:)``, a missing parent what
    /// `missingParent` says of the violated foreign key (its constraint name).
    static func naming<T>(
        entity: String, id: String, missingParent: (String) -> StoreError = { constraint in
            .notFound(entity: "parent (\(constraint))", id: "")
        },
        _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StoreError.alreadyExists(entity: entity, id: id)
        } catch let error as PSQLError where error.sqlState == "23503" {
            throw missingParent(error.constraint)
        }
    }

    /// A write to a tenant's configuration (the tables ``TenantContextCache`` keeps):
    /// every core is told at commit, and this one forgets its cache at once.
    func writeConfiguration<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        defer { tenantContexts.invalidate() }
        return try await write { connection in
            let value = try await body(connection)
            try await Self.notifyConfigurationChanged(from: self.coreID, connection, self.logger)
            return value
        }
    }

    // MARK: Tenants and settings

    public func createTenant(_ tenant: Tenant, settings: NotificationSettings) async throws {
        guard settings.tenantID == tenant.id else {
            throw StoreError.conflict("settings belong to tenant \(settings.tenantID), not \(tenant.id)")
        }
        let insertSettings = try PostgresInsert.settings(settings)
        try await writeConfiguration { connection in
            try await Self.naming(entity: StoreEntity.tenant, id: tenant.id) {
                try await connection.run(PostgresInsert.tenant(tenant), self.logger)
            }
            try await Self.naming(entity: StoreEntity.settings, id: tenant.id) {
                try await connection.run(insertSettings, self.logger)
            }
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await read { try await $0.one("SELECT * FROM tenants WHERE id = \(id)", self.logger) }
    }

    public func tenants() async throws -> [Tenant] {
        try await read { try await $0.all("SELECT * FROM tenants ORDER BY id COLLATE \"C\"", self.logger) }
    }

    public func settings(tenantID: String) async throws -> NotificationSettings? {
        try await read { try await Self.settings(tenantID: tenantID, $0, self.logger) }
    }

    static func settings(tenantID: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> NotificationSettings? {
        try await connection.one("SELECT * FROM notification_settings WHERE tenant_id = \(tenantID)", logger)
    }

    public func saveSettings(_ settings: NotificationSettings) async throws {
        let update = try PostgresInsert.settings(settings, update: true)
        try await writeConfiguration { connection in
            let old: NotificationSettings? = try await connection.one(
                "SELECT * FROM notification_settings WHERE tenant_id = \(settings.tenantID) FOR UPDATE", self.logger)
            guard try await connection.exists(update, self.logger) else {
                throw StoreError.notFound(entity: StoreEntity.settings, id: settings.tenantID)
            }
            // Jobs not yet handed out follow a changed account.
            for (channel, from, to) in AccountMove.moves(from: old, to: settings) {
                try await connection.run("""
                    UPDATE notification_jobs SET account = \(to)
                    WHERE status = 'pending' AND channel = \(channel) AND tenant_id = \(settings.tenantID) AND account = \(from)
                      AND booking_id NOT IN (
                          SELECT b.id FROM bookings b JOIN event_types e ON e.tenant_id = b.tenant_id AND e.id = b.event_type_id
                          WHERE b.tenant_id = \(settings.tenantID) AND e.\(unescaped: AccountMove.column(channel)) IS NOT NULL)
                    """, self.logger)
            }
        }
    }

    // MARK: Event types

    public func createEventType(_ eventType: EventType) async throws {
        let insert = try PostgresInsert.eventType(eventType)
        try await writeConfiguration { connection in
            try await Self.naming(entity: StoreEntity.eventType, id: eventType.id, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: eventType.tenantID)
            }) {
                try await connection.run(insert, self.logger)
            }
        }
    }

    public func eventType(tenantID: String, id: String) async throws -> EventType? {
        try await read { try await Self.eventType(tenantID: tenantID, id: id, $0, self.logger) }
    }

    static func eventType(tenantID: String, id: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> EventType? {
        try await connection.one("SELECT * FROM event_types WHERE tenant_id = \(tenantID) AND id = \(id)", logger)
    }

    public func eventTypes(tenantID: String) async throws -> [EventType] {
        try await read {
            try await $0.all("SELECT * FROM event_types WHERE tenant_id = \(tenantID) ORDER BY id COLLATE \"C\"", self.logger)
        }
    }

    public func saveEventType(_ eventType: EventType) async throws {
        let update = try PostgresInsert.eventType(eventType, update: true)
        try await writeConfiguration { connection in
            let old: EventType? = try await connection.one(
                "SELECT * FROM event_types WHERE tenant_id = \(eventType.tenantID) AND id = \(eventType.id) FOR UPDATE", self.logger)
            let settings: NotificationSettings? = try await connection.one(
                "SELECT * FROM notification_settings WHERE tenant_id = \(eventType.tenantID)", self.logger)
            guard try await connection.exists(update, self.logger) else {
                throw StoreError.notFound(entity: StoreEntity.eventType, id: eventType.id)
            }
            // Jobs of its bookings not yet handed out follow a changed account.
            for (channel, from, to) in AccountMove.moves(from: old, to: eventType, settings: settings) {
                try await connection.run("""
                    UPDATE notification_jobs SET account = \(to)
                    WHERE status = 'pending' AND channel = \(channel) AND tenant_id = \(eventType.tenantID) AND account = \(from)
                      AND booking_id IN (
                          SELECT id FROM bookings WHERE tenant_id = \(eventType.tenantID) AND event_type_id = \(eventType.id))
                    """, self.logger)
            }
        }
    }

    // MARK: Bookings

    /// Without a booking to read, served from ``tenantContexts`` while it can be
    /// trusted (this core listens for other cores' changes).
    public func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext? {
        let cache = cacheTrusted.value.load(ordering: .acquiring) ? tenantContexts : nil
        let generation = cache?.generation ?? 0
        if bookingID == nil, let cached = cache?.context(tenantID: tenantID, eventTypeID: eventTypeID) {
            return cached
        }
        let context = try await readBookingContext(tenantID: tenantID, eventTypeID: eventTypeID, bookingID: bookingID)
        var tenantPart = context
        tenantPart?.booking = nil
        cache?.store(tenantPart, tenantID: tenantID, eventTypeID: eventTypeID, generation: generation)
        return context
    }

    private func readBookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext? {
        try await read { connection in
            guard let tenant: Tenant = try await connection.one("SELECT * FROM tenants WHERE id = \(tenantID)", self.logger),
                  let settings = try await Self.settings(tenantID: tenantID, connection, self.logger)
            else { return nil }
            var eventType: EventType?
            if let eventTypeID {
                eventType = try await Self.eventType(tenantID: tenantID, id: eventTypeID, connection, self.logger)
            }
            var booking: Booking?
            if let bookingID {
                booking = try await connection.one("SELECT * FROM bookings WHERE id = \(bookingID)", self.logger)
            }
            return BookingContext(
                tenant: tenant, settings: settings, eventType: eventType,
                webhooks: try await Self.ofTenant(WebhookSubscription.self, tenantID, connection, self.logger),
                teamDestinations: try await Self.ofTenant(TeamDestination.self, tenantID, connection, self.logger),
                booking: booking,
                hasSuppressions: try await connection.exists(
                    "SELECT 1 FROM suppressions WHERE tenant_id = \(tenantID) LIMIT 1", self.logger))
        }
    }

    public func booking(id: String) async throws -> Booking? {
        try await read { try await $0.one("SELECT * FROM bookings WHERE id = \(id)", self.logger) }
    }

    public func bookings(
        tenantID: String, filter: BookingFilter, after cursor: BookingCursor?, limit: Int
    ) async throws -> [Booking] {
        let start = cursor?.startAt.postgres
        let id = cursor?.id
        let query: PostgresQuery = switch filter {
        case let .upcoming(after: date):
            """
            SELECT * FROM bookings
            WHERE tenant_id = \(tenantID) AND status IN ('pending', 'confirmed') AND start_at >= \(date.postgres)
              AND (\(start)::timestamptz IS NULL OR start_at > \(start)
                   OR (start_at = \(start) AND id COLLATE "C" > \(id)))
            ORDER BY start_at, id COLLATE "C" LIMIT \(limit)
            """
        case .all:
            """
            SELECT * FROM bookings
            WHERE tenant_id = \(tenantID)
              AND (\(start)::timestamptz IS NULL OR start_at < \(start)
                   OR (start_at = \(start) AND id COLLATE "C" < \(id)))
            ORDER BY start_at DESC, id COLLATE "C" DESC LIMIT \(limit)
            """
        case let .starting(from: from, before: before):
            """
            SELECT * FROM bookings
            WHERE tenant_id = \(tenantID) AND start_at >= \(from.postgres) AND start_at < \(before.postgres)
              AND (\(start)::timestamptz IS NULL OR start_at > \(start)
                   OR (start_at = \(start) AND id COLLATE "C" > \(id)))
            ORDER BY start_at, id COLLATE "C" LIMIT \(limit)
            """
        case let .matching(text):
            // strpos, not LIKE: the text is matched as it is, % and _ included.
            """
            SELECT * FROM bookings
            WHERE tenant_id = \(tenantID)
              AND (id = \(text) OR strpos(lower(customer_name), lower(\(text))) > 0
                   OR strpos(lower(customer_email), lower(\(text))) > 0
                   OR strpos(lower(customer_phone), lower(\(text))) > 0)
              AND (\(start)::timestamptz IS NULL OR start_at < \(start)
                   OR (start_at = \(start) AND id COLLATE "C" < \(id)))
            ORDER BY start_at DESC, id COLLATE "C" DESC LIMIT \(limit)
            """
        }
        let request = query
        return try await read { try await $0.all(request, self.logger) }
    }

    public func jobs(bookingID: String) async throws -> [NotificationJob] {
        try await read {
            try await $0.all(
                "SELECT * FROM notification_jobs WHERE booking_id = \(bookingID) ORDER BY due_at, id COLLATE \"C\"",
                self.logger)
        }
    }

    // MARK: Webhooks and team destinations

    /// The tenant's webhook subscriptions or team destinations, oldest first.
    static func ofTenant<Model: PostgresModel>(
        _: Model.Type, _ tenantID: String, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [Model] {
        try await connection.all(
            "SELECT * FROM \(unescaped: Model.table) WHERE tenant_id = \(tenantID) ORDER BY created_at, id COLLATE \"C\"",
            logger)
    }

    public func createWebhook(_ subscription: WebhookSubscription) async throws {
        let insert = try PostgresInsert.webhook(subscription)
        try await writeConfiguration { connection in
            try await Self.naming(entity: StoreEntity.webhook, id: subscription.id, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: subscription.tenantID)
            }) { try await connection.run(insert, self.logger) }
        }
    }

    public func webhook(id: String) async throws -> WebhookSubscription? {
        try await read { try await $0.one("SELECT * FROM webhook_subscriptions WHERE id = \(id)", self.logger) }
    }

    public func webhooks(tenantID: String) async throws -> [WebhookSubscription] {
        try await read { try await Self.ofTenant(WebhookSubscription.self, tenantID, $0, self.logger) }
    }

    public func deleteWebhook(id: String) async throws {
        try await changeOne("DELETE FROM webhook_subscriptions WHERE id = \(id) RETURNING 1", entity: StoreEntity.webhook, id: id)
    }

    public func setWebhookEnabled(id: String, enabled: Bool, reason: String?) async throws {
        let reason = enabled ? nil : reason
        try await changeOne(
            "UPDATE webhook_subscriptions SET enabled = \(enabled), disabled_reason = \(reason) WHERE id = \(id) RETURNING 1",
            entity: StoreEntity.webhook, id: id)
    }

    public func rotateWebhookSecret(id: String, secret: String) async throws {
        try await changeOne(
            "UPDATE webhook_subscriptions SET secret = \(secret) WHERE id = \(id) RETURNING 1",
            entity: StoreEntity.webhook, id: id)
    }

    public func createTeamDestination(_ destination: TeamDestination) async throws {
        let insert = try PostgresInsert.teamDestination(destination)
        try await writeConfiguration { connection in
            try await Self.naming(entity: StoreEntity.teamDestination, id: destination.id, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: destination.tenantID)
            }) { try await connection.run(insert, self.logger) }
        }
    }

    public func teamDestination(id: String) async throws -> TeamDestination? {
        try await read { try await $0.one("SELECT * FROM team_destinations WHERE id = \(id)", self.logger) }
    }

    public func teamDestinations(tenantID: String) async throws -> [TeamDestination] {
        try await read { try await Self.ofTenant(TeamDestination.self, tenantID, $0, self.logger) }
    }

    public func deleteTeamDestination(id: String) async throws {
        try await changeOne(
            "DELETE FROM team_destinations WHERE id = \(id) RETURNING 1", entity: StoreEntity.teamDestination, id: id)
    }

    public func setTeamDestinationEnabled(id: String, enabled: Bool, reason: String?) async throws {
        let reason = enabled ? nil : reason
        try await changeOne(
            "UPDATE team_destinations SET enabled = \(enabled), disabled_reason = \(reason) WHERE id = \(id) RETURNING 1",
            entity: StoreEntity.teamDestination, id: id)
    }

    /// A write of one row (`... RETURNING 1`); none is ``StoreError/notFound(entity:id:)``.
    private func changeOne(_ query: PostgresQuery, entity: String, id: String) async throws {
        try await writeConfiguration { connection in
            guard try await connection.exists(query, self.logger) else { throw StoreError.notFound(entity: entity, id: id) }
        }
    }

    // MARK: Templates

    public func saveTemplate(_ template: MessageTemplate) async throws {
        try await writeConfiguration { connection in
            try await Self.naming(entity: "message_template", id: template.kind.rawValue, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: template.tenantID)
            }) { try await connection.run(PostgresInsert.template(template), self.logger) }
        }
    }

    public func templates(tenantID: String) async throws -> [MessageTemplate] {
        try await read { try await Self.templates(tenantID: tenantID, $0, self.logger) }
    }

    static func templates(tenantID: String, _ connection: PostgresConnection, _ logger: Logger) async throws -> [MessageTemplate] {
        try await connection.all(
            "SELECT * FROM message_templates WHERE tenant_id = \(tenantID) ORDER BY kind COLLATE \"C\", channel COLLATE \"C\"",
            logger)
    }

    public func deleteTemplate(tenantID: String, kind: NotificationKind, channel: String) async throws -> Bool {
        try await writeConfiguration { connection in
            try await connection.exists("""
                DELETE FROM message_templates
                WHERE tenant_id = \(tenantID) AND kind = \(kind.rawValue) AND channel = \(channel)
                RETURNING 1
                """, self.logger)
        }
    }

    // MARK: Events and the ReminderLog

    public func events(
        tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int
    ) async throws -> [BookingEventRecord] {
        try await read { connection in
            if let bookingID {
                return try await connection.all("""
                    SELECT * FROM booking_events
                    WHERE tenant_id = \(tenantID) AND booking_id = \(bookingID) AND sequence > \(afterSequence)
                    ORDER BY sequence LIMIT \(limit)
                    """, self.logger)
            }
            return try await connection.all("""
                SELECT * FROM booking_events WHERE tenant_id = \(tenantID) AND sequence > \(afterSequence)
                ORDER BY sequence LIMIT \(limit)
                """, self.logger)
        }
    }

    public func reminderLog(_ query: ReminderLogQuery) async throws -> [ReminderLogEntry] {
        let outcome = query.outcome?.rawValue, kind = query.kind?.rawValue
        let since = query.since?.postgres, until = query.until?.postgres
        return try await read { connection in
            try await self.withDelivery(connection.all("""
                SELECT * FROM reminder_log
                WHERE (\(query.tenantID)::text IS NULL OR tenant_id = \(query.tenantID))
                  AND (\(query.bookingID)::text IS NULL OR booking_id = \(query.bookingID))
                  AND (\(outcome)::text IS NULL OR outcome = \(outcome))
                  AND (\(query.channel)::text IS NULL OR channel = \(query.channel))
                  AND (\(kind)::text IS NULL OR kind = \(kind))
                  AND (\(since)::timestamptz IS NULL OR logged_at >= \(since))
                  AND (\(until)::timestamptz IS NULL OR logged_at < \(until))
                  AND (\(query.beforeID)::bigint IS NULL OR id < \(query.beforeID))
                ORDER BY id DESC LIMIT \(query.limit)
                """, self.logger), connection)
        }
    }

    public func queueStats(now: Date) async throws -> [ChannelQueueStats] {
        try await read { connection in
            try await connection.rows("""
                SELECT channel,
                       count(*) FILTER (WHERE status = 'pending' AND due_at <= \(now.postgres)) AS due_now,
                       count(*) FILTER (WHERE status = 'pending' AND due_at > \(now.postgres)) AS scheduled,
                       count(*) FILTER (WHERE status = 'leased') AS leased
                FROM notification_jobs WHERE status IN ('pending', 'leased')
                GROUP BY channel ORDER BY channel COLLATE "C"
                """, self.logger).map { row in
                let c = PostgresColumns(row)
                return ChannelQueueStats(
                    channel: try c("channel"), dueNow: try c.int("due_now"), scheduled: try c.int("scheduled"),
                    leased: try c.int("leased"))
            }
        }
    }

    // MARK: API keys

    public func createAPIKey(_ key: APIKey) async throws {
        try await write { connection in
            try await Self.naming(entity: StoreEntity.apiKey, id: key.id, missingParent: { _ in
                .notFound(entity: StoreEntity.tenant, id: key.tenantID ?? "")
            }) { try await connection.run(PostgresInsert.apiKey(key), self.logger) }
        }
    }

    public func apiKeys(tenantID: String?, includeRevoked: Bool) async throws -> [APIKey] {
        try await read { connection in
            try await connection.all("""
                SELECT * FROM api_keys
                WHERE (\(tenantID)::text IS NULL OR tenant_id = \(tenantID))
                  AND (\(includeRevoked) OR revoked_at IS NULL)
                ORDER BY id COLLATE "C"
                """, self.logger)
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await read { try await $0.one("SELECT * FROM api_keys WHERE id = \(id)", self.logger) }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await read { try await $0.one("SELECT * FROM api_keys WHERE hash = \(hash)", self.logger) }
    }

    public func revokeAPIKey(id: String, at: Date) async throws -> APIKey {
        try await write { connection in
            // The first revocation time stays.
            guard let key: APIKey = try await connection.one("""
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(at.postgres)) WHERE id = \(id) RETURNING *
                """, self.logger)
            else { throw StoreError.notFound(entity: StoreEntity.apiKey, id: id) }
            return key
        }
    }

    // MARK: Idempotency keys

    public func claimIdempotencyKey(
        scope: String, key: String, fingerprint: String, now: Date, expiredBefore: Date, abandonedBefore: Date
    ) async throws -> IdempotencyClaim {
        try await write { connection in
            try await connection.run("DELETE FROM idempotency_keys WHERE created_at < \(expiredBefore.postgres)", self.logger)
            // Two claims of one key at once: the second waits for the first's insert to
            // commit, then finds its row.
            let inserted = try await connection.exists("""
                INSERT INTO idempotency_keys (scope, key, fingerprint, created_at)
                VALUES (\(scope), \(key), \(fingerprint), \(now.postgres))
                ON CONFLICT (scope, key) DO NOTHING
                RETURNING 1
                """, self.logger)
            if inserted { return .first }
            guard let row = try await connection.rows(
                "SELECT * FROM idempotency_keys WHERE scope = \(scope) AND key = \(key) FOR UPDATE", self.logger
            ).first else { return .first }
            let c = PostgresColumns(row)
            let createdAt = try c.date("created_at")
            guard try c("fingerprint", as: String.self) == fingerprint else { return .mismatch }
            if let status = try c.optionalInt("status") {
                return .replay(IdempotentAnswer(
                    status: status, body: try c("body", as: Data?.self) ?? Data(),
                    contentType: try c("content_type", as: String?.self) ?? "",
                    location: try c("location", as: String?.self) ?? ""))
            }
            guard createdAt < abandonedBefore else { return .inFlight }
            try await connection.run("""
                UPDATE idempotency_keys SET fingerprint = \(fingerprint), created_at = \(now.postgres)
                WHERE scope = \(scope) AND key = \(key)
                """, self.logger)
            return .first
        }
    }

    public func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer?) async throws {
        try await write { connection in
            if let answer {
                try await connection.run("""
                    UPDATE idempotency_keys
                    SET status = \(answer.status), body = \(answer.body), content_type = \(answer.contentType),
                        location = \(answer.location)
                    WHERE scope = \(scope) AND key = \(key)
                    """, self.logger)
            } else {
                try await connection.run("DELETE FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)", self.logger)
            }
        }
    }
}
