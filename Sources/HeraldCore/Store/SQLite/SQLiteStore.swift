import Foundation
import GRDB

/// The default store: one SQLite file through GRDB, in WAL mode. It is both the
/// ``DispatchStore`` and the ``AdminStore`` of a core.
///
/// A `DatabasePool` gives one writer and concurrent readers, so admin reads never
/// wait behind the dispatcher's writes. The core is the only process that opens the
/// file, so one writer serialises every write transaction: "one live lease per job"
/// and "ReminderLog ids increase in commit order" hold without further locking.
public final class SQLiteStore: DispatchStore, AdminStore {
    /// The underlying database, for SQLite-specific tests and diagnostics.
    /// Application code goes through the store protocols' methods.
    public let database: any DatabaseWriter
    /// Whether writes currently succeed (see ``StoreHealth``).
    public let health: StoreHealth
    /// The queue that gathers concurrent ``writeBooking(_:)`` calls into one transaction
    /// each batch (see SQLiteStore+GroupCommit.swift); its statistics are for tests.
    public let bookingWrites: GroupCommit<BookingWrite, WrittenBooking>
    /// Tenant contexts of booking writes, dropped on every change to them (TenantContextCache.swift).
    let tenantContexts = TenantContextCache()

    /// The most booking writes one transaction commits by default.
    public static let defaultBookingBatchSize = 64

    /// Opens (creating if needed) the database file at `path` and migrates it.
    /// - Parameters:
    ///   - health: told of every write the disk refuses and of recovery.
    ///   - bookingBatchSize: the most booking writes one transaction commits.
    public convenience init(
        path: String, health: StoreHealth = StoreHealth(), bookingBatchSize: Int = defaultBookingBatchSize
    ) throws {
        try self.init(
            database: DatabasePool(path: path, configuration: Self.configuration()), health: health,
            bookingBatchSize: bookingBatchSize)
    }

    /// A private in-memory database, for tests that need no file (no WAL there).
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(
            database: DatabaseQueue(configuration: configuration()), health: StoreHealth(),
            bookingBatchSize: defaultBookingBatchSize)
    }

    private init(database: any DatabaseWriter, health: StoreHealth, bookingBatchSize: Int) throws {
        self.database = database
        self.health = health
        self.bookingWrites = Self.bookingWriteQueue(database: database, health: health, batchSize: bookingBatchSize)
        try SQLiteSchema.migrator.migrate(database)
        database.add(transactionObserver: tenantContexts, extent: .databaseLifetime)
    }

    private static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "herald"
        // GRDB enables this by default; stated because the schema relies on it.
        config.foreignKeysEnabled = true
        // Wait for a lock rather than fail at once, should another connection
        // (a backup, the sqlite3 shell) hold it briefly.
        config.busyMode = .timeout(5)
        // Durability: in WAL mode, `synchronous = NORMAL` makes a commit durable
        // across process crashes (`kill -9`, a trap): the commit is in the WAL file
        // and the OS holds it. Only a power loss or OS crash can lose the last commits
        // (never corrupt the file). It spares the fsync per commit of `FULL`, which made
        // a single booking write cost about 1 ms; the WAL is synced at checkpoints.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            if !db.configuration.readonly {
                // The writer's page cache (SQLite's default is 2 MiB): leasing and results
                // update rows scattered over the jobs table and its indexes, and re-reading
                // those pages through the OS on each batch was a large part of their cost.
                try db.execute(sql: "PRAGMA cache_size = -32768") // KiB, so 32 MiB
                // Temporary storage in memory: a group commit's savepoints journal each
                // page a booking write touches, and beyond 64 KiB SQLite moved that
                // journal to a temporary file, one `pwrite` per page thereafter.
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
        }
        return config
    }

    /// Every migration this version knows, in order.
    public static var migrationNames: [String] { SQLiteSchema.migrator.migrations }

    /// The migrations applied to the open database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }

    // MARK: Tenants and settings

    public func createTenant(_ tenant: Tenant, settings: NotificationSettings) async throws {
        guard settings.tenantID == tenant.id else {
            throw StoreError.conflict("settings belong to tenant \(settings.tenantID), not \(tenant.id)")
        }
        try await write { db in
            try insert(tenant, db, entity: StoreEntity.tenant, id: tenant.id)
            try insert(settings, db, entity: StoreEntity.settings, id: tenant.id)
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await read { db in try TenantRow.find(id: id).fetchOne(db)?.model }
    }

    public func tenants() async throws -> [Tenant] {
        try await read { db in try TenantRow.order(\.id).fetchAll(db).map(\.model) }
    }

    public func settings(tenantID: String) async throws -> NotificationSettings? {
        try await read { db in try NotificationSettingsRow.find(tenantID: tenantID).fetchOne(db)?.model }
    }

    public func saveSettings(_ settings: NotificationSettings) async throws {
        try await write { db in
            let old = try NotificationSettingsRow.find(tenantID: settings.tenantID).fetchOne(db)?.model
            try update(settings, db, entity: StoreEntity.settings, id: settings.tenantID)
            // Jobs not yet handed out follow a changed account.
            for (channel, from, to) in AccountMove.moves(from: old, to: settings) {
                try db.execute(
                    literal: """
                        UPDATE notification_jobs SET account = \(to)
                        WHERE status = 'pending' AND channel = \(channel) AND tenant_id = \(settings.tenantID) AND account = \(from)
                          AND booking_id NOT IN (
                              SELECT b.id FROM bookings b JOIN event_types e ON e.tenant_id = b.tenant_id AND e.id = b.event_type_id
                              WHERE b.tenant_id = \(settings.tenantID) AND e.\(sql: AccountMove.column(channel)) IS NOT NULL)
                        """)
            }
        }
    }

    // MARK: Event types

    public func createEventType(_ eventType: EventType) async throws {
        try await write { db in
            try insert(eventType, db, entity: StoreEntity.eventType, id: eventType.id) { _ in
                .notFound(entity: StoreEntity.tenant, id: eventType.tenantID)
            }
        }
    }

    public func eventType(tenantID: String, id: String) async throws -> EventType? {
        try await read { db in try EventTypeRow.find(tenantID: tenantID, id: id).fetchOne(db)?.model }
    }

    public func eventTypes(tenantID: String) async throws -> [EventType] {
        try await read { db in
            try EventTypeRow.filter { $0.tenantID == tenantID }.order(\.id).fetchAll(db).map(\.model)
        }
    }

    public func saveEventType(_ eventType: EventType) async throws {
        try await write { db in
            let old = try EventTypeRow.find(tenantID: eventType.tenantID, id: eventType.id).fetchOne(db)?.model
            let settings = try NotificationSettingsRow.find(tenantID: eventType.tenantID).fetchOne(db)?.model
            try update(eventType, db, entity: StoreEntity.eventType, id: eventType.id)
            // Jobs of its bookings not yet handed out follow a changed account.
            for (channel, from, to) in AccountMove.moves(from: old, to: eventType, settings: settings) {
                try db.execute(
                    literal: """
                        UPDATE notification_jobs SET account = \(to)
                        WHERE status = 'pending' AND channel = \(channel) AND tenant_id = \(eventType.tenantID) AND account = \(from)
                          AND booking_id IN (
                              SELECT id FROM bookings WHERE tenant_id = \(eventType.tenantID) AND event_type_id = \(eventType.id))
                        """)
            }
        }
    }

    // MARK: Bookings and the outbox

    /// Without a booking to read, served from ``tenantContexts`` when it holds the
    /// tenant's context; every read is kept there for the next write.
    public func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext? {
        let cache = tenantContexts
        let generation = cache.generation
        if bookingID == nil, let cached = cache.context(tenantID: tenantID, eventTypeID: eventTypeID) {
            return cached
        }
        let context = try await read { db -> BookingContext? in
            guard let tenant = try TenantRow.find(id: tenantID).fetchOne(db),
                let settings = try NotificationSettingsRow.find(tenantID: tenantID).fetchOne(db)
            else { return nil }
            return BookingContext(
                tenant: tenant.model, settings: settings.model,
                eventType: try eventTypeID.flatMap {
                    try EventTypeRow.find(tenantID: tenantID, id: $0).fetchOne(db)?.model
                },
                webhooks: try Self.ofTenant(WebhookSubscription.self, tenantID, db),
                teamDestinations: try Self.ofTenant(TeamDestination.self, tenantID, db),
                booking: try bookingID.flatMap { try BookingRow.find(id: $0).fetchOne(db)?.model },
                hasSuppressions: try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM suppressions WHERE tenant_id = ?)", arguments: [tenantID]) ?? false)
        }
        var tenantPart = context
        tenantPart?.booking = nil
        cache.store(tenantPart, tenantID: tenantID, eventTypeID: eventTypeID, generation: generation)
        return context
    }

    public func booking(id: String) async throws -> Booking? {
        try await read { db in try BookingRow.find(id: id).fetchOne(db)?.model }
    }

    public func bookings(
        tenantID: String, filter: BookingFilter, after cursor: BookingCursor?, limit: Int
    ) async throws -> [Booking] {
        try await read { db in
            let ofTenant = BookingRow.filter { $0.tenantID == tenantID }
            let start = BookingRow.Columns.startAt
            let id = BookingRow.Columns.id
            switch filter {
            case let .upcoming(after: date):
                var request = ofTenant
                    .filter { [BookingStatus.pending, BookingStatus.confirmed].contains($0.status) }
                    .filter(start >= date)
                if let cursor {
                    request = request.filter(start > cursor.startAt || (start == cursor.startAt && id > cursor.id))
                }
                return try request.order(start, id).limit(limit).fetchAll(db).map(\.model)
            case .all:
                var request = ofTenant
                if let cursor {
                    request = request.filter(start < cursor.startAt || (start == cursor.startAt && id < cursor.id))
                }
                return try request.order(start.desc, id.desc).limit(limit).fetchAll(db).map(\.model)
            case let .starting(from: from, before: before):
                var request = ofTenant.filter(start >= from && start < before)
                if let cursor {
                    request = request.filter(start > cursor.startAt || (start == cursor.startAt && id > cursor.id))
                }
                return try request.order(start, id).limit(limit).fetchAll(db).map(\.model)
            case let .matching(text):
                // instr, not LIKE: the text is matched as it is, % and _ included. Letters
                // fold as Swift's lowercased() folds them, as PostgreSQL's lower() folds
                // every letter. An ASCII text is found by SQLite's own lower() (ASCII only,
                // but no other letter folds into ASCII in a name, an address or a number);
                // any other goes through GRDB's function calling lowercased(), a call into
                // Swift per value: 144 ms instead of 82 for 100k bookings of one tenant
                // (herald-bench --only console).
                let needle = text.lowercased()
                let ascii = needle.unicodeScalars.allSatisfy(\.isASCII)
                let contains = { (column: Column) in
                    ascii ? SQL("instr(lower(\(column)), \(needle)) > 0") : SQL("instr(\(column.lowercased), \(needle)) > 0")
                }
                // The tenant's rows only, through the start index (a scan of the whole
                // table was a quarter faster with one tenant, and slower with many).
                var request = ofTenant.filter(
                    id == text || contains(BookingRow.Columns.customerName) || contains(BookingRow.Columns.customerEmail)
                        || contains(BookingRow.Columns.customerPhone))
                if let cursor {
                    request = request.filter(start < cursor.startAt || (start == cursor.startAt && id < cursor.id))
                }
                return try request.order(start.desc, id.desc).limit(limit).fetchAll(db).map(\.model)
            }
        }
    }

    @discardableResult
    public func writeBooking(_ write: BookingWrite) async throws -> WrittenBooking {
        let booking = write.booking
        guard write.event.bookingID == booking.id, write.event.tenantID == booking.tenantID else {
            throw StoreError.conflict("event \(write.event.id) does not describe booking \(booking.id)")
        }
        // Batched with the booking writes made at the same time (SQLiteStore+GroupCommit.swift).
        return try await bookingWrites.submit(write)
    }

    /// Writes one booking change; the caller holds the transaction (a savepoint of a batch).
    static func apply(_ write: BookingWrite, _ db: Database) throws -> WrittenBooking {
        // The booking, its jobs and its event go through cached statements (CachedInsert.swift).
        let booking = write.booking
        if let expected = write.expected {
            try Self.updateBooking(booking, expected: expected, db)
        } else {
            try mappingConstraints(db, entity: StoreEntity.booking, id: booking.id, missingParent: { db in
                try Self.missingParent(of: booking, db)
            }) {
                try BookingRow(booking).insertCached(db, sql: BookingRow.insertSQL)
            }
        }

        var logged: [ReminderLogEntry] = []
        if let cancellation = write.cancelPendingJobs {
            logged = try Self.cancelOpenJobs(of: booking.id, cancellation, at: write.event.occurredAt, db)
        }

        for job in write.newJobs {
            try mappingConstraints(db, entity: StoreEntity.job, id: job.id, missingParent: nil) {
                try NotificationJobRow(job).insertCached(db, sql: NotificationJobRow.insertSQL)
            }
        }

        for entry in write.newLogEntries {
            guard entry.bookingID == booking.id, entry.tenantID == booking.tenantID else {
                throw StoreError.conflict("log entry for job \(entry.jobID) does not describe booking \(booking.id)")
            }
            let stored = try mappingConstraints(db, entity: StoreEntity.reminderLog, id: entry.jobID, missingParent: nil) {
                try entry.append(db)
            }
            logged.append(stored)
        }

        var event = write.event
        event.sequence = try mappingConstraints(db, entity: StoreEntity.event, id: event.id, missingParent: nil) {
            try BookingEventRow(event).insertCached(db, sql: BookingEventRow.insertSQL)
        }
        return WrittenBooking(event: event, logged: logged)
    }

    /// Replaces the stored booking if it is still the one the caller read.
    ///
    /// `updatedAt` is compared at storage precision (milliseconds), so a caller may
    /// pass back a booking it wrote itself without reading it again.
    private static func updateBooking(_ booking: Booking, expected: Booking, _ db: Database) throws {
        guard booking.id == expected.id else {
            throw StoreError.conflict("booking \(booking.id) written with the expected state of \(expected.id)")
        }
        guard let stored = try BookingRow.find(id: booking.id).fetchOne(db) else {
            throw StoreError.notFound(entity: StoreEntity.booking, id: booking.id)
        }
        guard stored.tenantID == booking.tenantID else {
            throw StoreError.notFound(entity: StoreEntity.booking, id: booking.id)
        }
        guard stored.scheduleVersion == expected.scheduleVersion,
              stored.status == expected.status,
              DatabaseDate.text(stored.updatedAt) == DatabaseDate.text(expected.updatedAt)
        else {
            throw StoreError.conflict(
                "booking \(booking.id) changed since it was read "
                    + "(now \(stored.status.rawValue), schedule version \(stored.scheduleVersion))")
        }
        do {
            try BookingRow(booking).update(db)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw try missingParent(of: booking, db)
        }
    }

    /// Tells which parent of a booking is missing after a foreign key violation.
    private static func missingParent(of booking: Booking, _ db: Database) throws -> StoreError {
        if try !TenantRow.exists(db, key: booking.tenantID) {
            return .notFound(entity: StoreEntity.tenant, id: booking.tenantID)
        }
        return .notFound(entity: StoreEntity.eventType, id: booking.eventTypeID ?? "")
    }

    /// Cancels the booking's pending and leased jobs of the chosen kinds, logging each;
    /// returns the log rows as stored.
    ///
    /// A leased job may be in a worker's hands; its result will then arrive for a
    /// cancelled delivery and be ignored.
    private static func cancelOpenJobs(
        of bookingID: String, _ cancellation: JobCancellation, at now: Date, _ db: Database
    ) throws -> [ReminderLogEntry] {
        var kinds: String?
        if case let .kinds(chosen, _) = cancellation {
            kinds = try jsonArray(chosen.map(\.rawValue).sorted())
        }
        var logged: [ReminderLogEntry] = []
        for var job in try NotificationJobRow.open(bookingID: bookingID, kinds: kinds).fetchAll(db) {
            job.status = .cancelled
            job.leasedTo = nil
            job.leaseExpiresAt = nil
            job.lastError = cancellation.reason
            job.updatedAt = now
            try job.update(db)
            logged.append(try ReminderLogEntry(
                job: job.model, outcome: .cancelled, error: cancellation.reason, loggedAt: now).append(db))
        }
        return logged
    }

    public func jobs(bookingID: String) async throws -> [NotificationJob] {
        try await read { db in
            try NotificationJobRow
                .filter { $0.bookingID == bookingID }
                .order { [$0.dueAt, $0.id] }
                .fetchAll(db)
                .map(\.model)
        }
    }

    // MARK: Webhooks

    public func createWebhook(_ subscription: WebhookSubscription) async throws {
        try await create(subscription, entity: StoreEntity.webhook, id: subscription.id, tenantID: subscription.tenantID)
    }

    public func webhook(id: String) async throws -> WebhookSubscription? {
        try await read { db in try WebhookSubscriptionRow.fetchOne(db, key: id)?.model }
    }

    public func webhooks(tenantID: String) async throws -> [WebhookSubscription] {
        try await read { db in try Self.ofTenant(WebhookSubscription.self, tenantID, db) }
    }

    public func deleteWebhook(id: String) async throws {
        try await delete(WebhookSubscriptionRow.self, entity: StoreEntity.webhook, id: id)
    }

    public func setWebhookEnabled(id: String, enabled: Bool, reason: String?) async throws {
        try await setEnabled(WebhookSubscriptionRow.self, entity: StoreEntity.webhook, id: id, enabled: enabled, reason: reason)
    }

    // Webhook subscriptions and team destinations are both a tenant's list of
    // places to send to, with an id, a creation time and an on/off switch.

    /// Stores a new one; a missing tenant is ``StoreError/notFound(entity:id:)``.
    private func create<Model: StoredInTable & Sendable>(
        _ value: Model, entity: String, id: String, tenantID: String
    ) async throws {
        try await write { db in
            try insert(value, db, entity: entity, id: id) { _ in .notFound(entity: StoreEntity.tenant, id: tenantID) }
        }
    }

    /// The tenant's rows, oldest first, through a cached statement (every booking write
    /// reads its webhooks and team destinations).
    static func ofTenant<Model: StoredInTable>(
        _: Model.Type, _ tenantID: String, _ db: Database
    ) throws -> [Model] {
        try SQLRequest<Model.Row>(
            literal: "SELECT * FROM \(Model.Row.self) WHERE tenant_id = \(tenantID) ORDER BY created_at, id",
            cached: true
        ).fetchAll(db).map(\.model)
    }

    private func delete<Record: TableRecord>(_: Record.Type, entity: String, id: String) async throws {
        try await write { db in
            guard try Record.deleteOne(db, key: id) else { throw StoreError.notFound(entity: entity, id: id) }
        }
    }

    /// Turns a webhook subscription or team destination on (clearing the reason) or off.
    private func setEnabled<Record: TableRecord>(
        _: Record.Type, entity: String, id: String, enabled: Bool, reason: String?
    ) async throws {
        try await write { db in
            let reason = enabled ? nil : reason
            try db.execute(literal: """
                UPDATE \(Record.self) SET enabled = \(enabled), disabled_reason = \(reason) WHERE id = \(id)
                """)
            guard db.changesCount > 0 else { throw StoreError.notFound(entity: entity, id: id) }
        }
    }

    public func rotateWebhookSecret(id: String, secret: String) async throws {
        try await write { db in
            try db.execute(literal: "UPDATE webhook_subscriptions SET secret = \(secret) WHERE id = \(id)")
            guard db.changesCount > 0 else { throw StoreError.notFound(entity: StoreEntity.webhook, id: id) }
        }
    }

    // MARK: Team destinations

    public func createTeamDestination(_ destination: TeamDestination) async throws {
        try await create(destination, entity: StoreEntity.teamDestination, id: destination.id, tenantID: destination.tenantID)
    }

    public func teamDestination(id: String) async throws -> TeamDestination? {
        try await read { db in try TeamDestinationRow.fetchOne(db, key: id)?.model }
    }

    public func teamDestinations(tenantID: String) async throws -> [TeamDestination] {
        try await read { db in try Self.ofTenant(TeamDestination.self, tenantID, db) }
    }

    public func deleteTeamDestination(id: String) async throws {
        try await delete(TeamDestinationRow.self, entity: StoreEntity.teamDestination, id: id)
    }

    public func setTeamDestinationEnabled(id: String, enabled: Bool, reason: String?) async throws {
        try await setEnabled(
            TeamDestinationRow.self, entity: StoreEntity.teamDestination, id: id, enabled: enabled, reason: reason)
    }

    // MARK: Templates

    public func saveTemplate(_ template: MessageTemplate) async throws {
        try await write { db in
            guard try TenantRow.exists(db, key: template.tenantID) else {
                throw StoreError.notFound(entity: StoreEntity.tenant, id: template.tenantID)
            }
            try MessageTemplateRow(template).save(db)
        }
    }

    public func templates(tenantID: String) async throws -> [MessageTemplate] {
        try await read { db in
            try MessageTemplateRow.all(tenantID: tenantID).fetchAll(db).map(\.model)
        }
    }

    public func deleteTemplate(tenantID: String, kind: NotificationKind, channel: String) async throws -> Bool {
        try await write { db in
            try MessageTemplateRow.deleteOne(db, key: ["tenant_id": tenantID, "kind": kind.rawValue, "channel": channel])
        }
    }

    // MARK: Events and the ReminderLog

    public func events(
        tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int
    ) async throws -> [BookingEventRecord] {
        try await read { db in
            var request = BookingEventRow
                .filter { $0.tenantID == tenantID && $0.sequence > afterSequence }
            if let bookingID {
                request = request.filter { $0.bookingID == bookingID }
            }
            return try request.order(\.sequence).limit(limit).fetchAll(db).map(\.model)
        }
    }

    /// Appends one ReminderLog row, assigning its id. Not part of any store protocol
    /// (the core writes log rows only with the operations that decide them); kept for
    /// the SQLite tests of the one-`sent` unique key. A second `sent` row for the same
    /// notification is ``StoreError/alreadyExists(entity:id:)``.
    public func appendLog(_ entry: ReminderLogEntry) async throws -> ReminderLogEntry {
        try await write { db in
            var entry = entry
            entry.id = nil // always assigned here
            try insert(&entry, db, entity: StoreEntity.reminderLog, id: entry.jobID) { db in
                if try !TenantRow.exists(db, key: entry.tenantID) {
                    return .notFound(entity: StoreEntity.tenant, id: entry.tenantID)
                }
                return .notFound(entity: StoreEntity.booking, id: entry.bookingID)
            }
            return entry
        }
    }

    public func reminderLog(_ query: ReminderLogQuery) async throws -> [ReminderLogEntry] {
        try await read { db in
            typealias Columns = ReminderLogRow.Columns
            var request = ReminderLogRow.all()
            if let tenantID = query.tenantID { request = request.filter(Columns.tenantID == tenantID) }
            if let bookingID = query.bookingID { request = request.filter(Columns.bookingID == bookingID) }
            if let outcome = query.outcome { request = request.filter(Columns.outcome == outcome.rawValue) }
            if let channel = query.channel { request = request.filter(Columns.channel == channel) }
            if let kind = query.kind { request = request.filter(Columns.kind == kind.rawValue) }
            if let since = query.since { request = request.filter(Columns.loggedAt >= since) }
            if let until = query.until { request = request.filter(Columns.loggedAt < until) }
            if let beforeID = query.beforeID { request = request.filter(Columns.id < beforeID) }
            return try Self.withDelivery(request.order(Columns.id.desc).limit(query.limit).fetchAll(db).map(\.model), db)
        }
    }

    // MARK: API keys

    public func createAPIKey(_ key: APIKey) async throws {
        try await write { db in
            try insert(key, db, entity: StoreEntity.apiKey, id: key.id) { _ in
                .notFound(entity: StoreEntity.tenant, id: key.tenantID ?? "")
            }
        }
    }

    public func apiKeys(tenantID: String?, includeRevoked: Bool) async throws -> [APIKey] {
        try await read { db in
            var request = APIKeyRow.all()
            if let tenantID { request = request.filter { $0.tenantID == tenantID } }
            if !includeRevoked { request = request.filter { $0.revokedAt == nil } }
            return try request.order(\.id).fetchAll(db).map(\.model)
        }
    }

    public func apiKey(id: String) async throws -> APIKey? {
        try await read { db in try APIKeyRow.fetchOne(db, key: id)?.model }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await read { db in try APIKeyRow.filter { $0.hash == hash }.fetchOne(db)?.model }
    }

    public func revokeAPIKey(id: String, at: Date) async throws -> APIKey {
        try await write { db in
            guard var key = try APIKeyRow.fetchOne(db, key: id) else {
                throw StoreError.notFound(entity: StoreEntity.apiKey, id: id)
            }
            if key.revokedAt == nil {
                key.revokedAt = at
                try key.update(db)
            }
            return key.model
        }
    }

    // MARK: Idempotency keys

    public func claimIdempotencyKey(
        scope: String, key: String, fingerprint: String, now: Date, expiredBefore: Date, abandonedBefore: Date
    ) async throws -> IdempotencyClaim {
        try await write { db in
            try db.execute(literal: "DELETE FROM idempotency_keys WHERE created_at < \(expiredBefore)")
            if let row = try SQLRequest<Row>(
                literal: "SELECT * FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)"
            ).fetchOne(db) {
                let status: Int? = row["status"]
                let createdAt: Date = row["created_at"]
                guard row["fingerprint"] == fingerprint else { return .mismatch }
                if let status {
                    return .replay(IdempotentAnswer(
                        status: status, body: row["body"] ?? Data(), contentType: row["content_type"] ?? "",
                        location: row["location"] ?? ""))
                }
                guard createdAt < abandonedBefore else { return .inFlight }
            }
            try db.execute(literal: """
                INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, created_at)
                VALUES (\(scope), \(key), \(fingerprint), \(now))
                """)
            return .first
        }
    }

    public func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer?) async throws {
        try await write { db in
            if let answer {
                try db.execute(literal: """
                    UPDATE idempotency_keys
                    SET status = \(answer.status), body = \(answer.body), content_type = \(answer.contentType),
                        location = \(answer.location)
                    WHERE scope = \(scope) AND key = \(key)
                    """)
            } else {
                try db.execute(literal: "DELETE FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)")
            }
        }
    }
}
