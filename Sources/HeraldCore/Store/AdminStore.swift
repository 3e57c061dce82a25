import Foundation

/// What the admin API (``AdminService``) reads and writes: tenants and their
/// configuration, bookings with their jobs and events (the transactional outbox),
/// webhook subscriptions, team destinations, templates, the ReminderLog as admins
/// see it, queue counts, the gateway's API keys and idempotency keys.
///
/// The general promises (one transaction per method, ``StoreError``s, millisecond
/// dates) are stated on ``TenantConfigurationStore``, whose reads it includes. Unless
/// a method says otherwise, a read of something that does not exist returns nil or an
/// empty list, and a write to something that does not exist is
/// ``StoreError/notFound(entity:id:)``.
///
/// It is one protocol because one caller uses all of it; API keys and idempotency
/// keys are the gateway's, but they reach the store only through that same service.
public protocol AdminStore: TenantConfigurationStore {
    // MARK: Tenants and settings

    /// Creates a tenant together with its notification settings, both or neither.
    /// A taken tenant id is ``StoreError/alreadyExists(entity:id:)`` (``StoreEntity/tenant``)
    /// and keeps the stored tenant; settings of another tenant are ``StoreError/conflict(_:)``.
    func createTenant(_ tenant: Tenant, settings: NotificationSettings) async throws
    func tenant(id: String) async throws -> Tenant?
    /// All tenants, by id.
    func tenants() async throws -> [Tenant]

    /// Replaces the settings of an existing tenant (every field); an unknown tenant is
    /// ``StoreError/notFound(entity:id:)`` (``StoreEntity/settings``).
    func saveSettings(_ settings: NotificationSettings) async throws

    // MARK: Event types

    /// Stores a new event type. An unknown tenant is `notFound` (``StoreEntity/tenant``);
    /// a (tenant, id) already taken is `alreadyExists` (``StoreEntity/eventType``).
    func createEventType(_ eventType: EventType) async throws
    /// The tenant's event types, by id.
    func eventTypes(tenantID: String) async throws -> [EventType]
    /// Replaces an existing event type (every field); an unknown one is `notFound`
    /// (``StoreEntity/eventType``).
    func saveEventType(_ eventType: EventType) async throws

    // MARK: Bookings and the outbox

    /// The tenant, its settings, its webhook subscriptions and team destinations (each
    /// oldest first), the event type `eventTypeID` of that tenant and the booking
    /// `bookingID` (whatever its tenant: the caller checks), read in one snapshot; nil
    /// when the tenant does not exist. A missing event type or booking is nil in the context.
    func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext?
    func booking(id: String) async throws -> Booking?

    /// One page of at most `limit` of the tenant's bookings in the filter's order,
    /// strictly after `cursor` in that order when given:
    /// - ``BookingFilter/upcoming(after:)``: `pending` and `confirmed` bookings with
    ///   `startAt >= after`, by `startAt` then id, ascending;
    /// - ``BookingFilter/all``: every booking, by `startAt` then id, descending;
    /// - ``BookingFilter/starting(from:before:)``: every booking with `from <= startAt < before`,
    ///   by `startAt` then id, ascending;
    /// - ``BookingFilter/matching(_:)``: every booking whose id equals the text or whose
    ///   customer name, e-mail or phone contains it without regard to case, by `startAt`
    ///   then id, descending.
    func bookings(tenantID: String, filter: BookingFilter, after cursor: BookingCursor?, limit: Int) async throws -> [Booking]

    /// Writes one booking change in one transaction (the transactional outbox): the
    /// booking, the cancellation of its open jobs, its new jobs, its new ReminderLog
    /// rows and its event, all or nothing. Nothing is sent from memory later: what this
    /// commits is all the dispatcher will ever see.
    ///
    /// Concurrent calls may share one transaction (group commit, as ``SQLiteStore`` does
    /// with ``GroupCommit``), each write in its own savepoint: a write that fails rolls
    /// back alone with its own error, and a call returns only after its transaction has
    /// committed. A refusal of the disk fails every write of the transaction
    /// (``StoreError/unavailable(_:)``) and stores nothing of it.
    ///
    /// In order:
    /// 1. With `expected == nil` the booking is inserted: a taken id is `alreadyExists`
    ///    (``StoreEntity/booking``), an unknown tenant or event type `notFound`
    ///    (``StoreEntity/tenant`` / ``StoreEntity/eventType``). Otherwise it replaces
    ///    the stored booking only if that still has `expected`'s schedule version, status
    ///    and `updatedAt` (at millisecond precision), else ``StoreError/conflict(_:)``;
    ///    a booking that is not stored (or belongs to another tenant) is `notFound`
    ///    (``StoreEntity/booking``). This optimistic check is what serialises two admins
    ///    changing one booking.
    /// 2. `cancelPendingJobs`: the booking's `pending` and `leased` jobs of the chosen
    ///    kinds become `cancelled` (lease fields cleared, `lastError` = the reason,
    ///    `updatedAt` = the event's `occurredAt`), each with a `cancelled` ReminderLog row
    ///    with the reason as its error, logged at `occurredAt`. A worker may still hold a
    ///    cancelled leased job; its result is then ignored (``DispatchStore/applyResults(_:)``).
    /// 3. `newJobs` are inserted as given (after the cancellation, so they stay open); a
    ///    taken job id is `alreadyExists` (``StoreEntity/job``).
    /// 4. `newLogEntries` are appended with ids assigned here; an entry of another
    ///    booking or tenant is ``StoreError/conflict(_:)``.
    /// 5. The event is appended with the next sequence, assigned here.
    ///
    /// The booking and the event must describe each other (same booking and tenant),
    /// else ``StoreError/conflict(_:)`` before anything is written.
    /// - Returns: the stored event, with its sequence, and every ReminderLog row the write
    ///   appended (steps 2 and 4, in that order), with their ids, as stored.
    @discardableResult
    func writeBooking(_ write: BookingWrite) async throws -> WrittenBooking

    /// The booking's jobs, by `dueAt` then id; empty for an unknown booking.
    func jobs(bookingID: String) async throws -> [NotificationJob]

    // MARK: Webhook subscriptions

    /// Stores a new subscription; an unknown tenant is `notFound` (``StoreEntity/tenant``),
    /// a taken id `alreadyExists` (``StoreEntity/webhook``).
    func createWebhook(_ subscription: WebhookSubscription) async throws
    func webhook(id: String) async throws -> WebhookSubscription?
    /// The tenant's subscriptions, oldest first (by `createdAt`, then id).
    func webhooks(tenantID: String) async throws -> [WebhookSubscription]
    /// Removes a subscription; an unknown id is `notFound` (``StoreEntity/webhook``).
    /// Its jobs stay (history); pending ones are cancelled at send time.
    func deleteWebhook(id: String) async throws
    /// Enables a subscription (clearing the reason) or disables it with `reason`;
    /// an unknown id is `notFound` (``StoreEntity/webhook``).
    func setWebhookEnabled(id: String, enabled: Bool, reason: String?) async throws
    /// Replaces the subscription's signing secret; an unknown id is `notFound`.
    func rotateWebhookSecret(id: String, secret: String) async throws

    // MARK: Team destinations

    /// Stores a new destination. One with the same tenant, channel and recipient is
    /// ``StoreError/alreadyExists(entity:id:)`` (``StoreEntity/teamDestination``, this
    /// destination's id); an unknown tenant is `notFound` (``StoreEntity/tenant``); the
    /// channels `webhook`, `sms` and `whatsapp` are refused (they have their own paths).
    func createTeamDestination(_ destination: TeamDestination) async throws
    func teamDestination(id: String) async throws -> TeamDestination?
    /// The tenant's destinations, oldest first (by `createdAt`, then id).
    func teamDestinations(tenantID: String) async throws -> [TeamDestination]
    /// Removes a destination; an unknown id is `notFound` (``StoreEntity/teamDestination``).
    /// Its jobs stay (history); pending ones are cancelled at send time.
    func deleteTeamDestination(id: String) async throws
    /// Enables a destination (clearing the reason) or disables it with `reason`;
    /// an unknown id is `notFound` (``StoreEntity/teamDestination``).
    func setTeamDestinationEnabled(id: String, enabled: Bool, reason: String?) async throws

    // MARK: Templates

    /// Creates or replaces the tenant's template for its kind and channel; an unknown
    /// tenant is `notFound` (``StoreEntity/tenant``).
    func saveTemplate(_ template: MessageTemplate) async throws
    /// Removes the tenant's template for one kind and channel (back to the default);
    /// false if there was none.
    func deleteTemplate(tenantID: String, kind: NotificationKind, channel: String) async throws -> Bool

    // MARK: Events, the ReminderLog and the queue

    /// The tenant's booking events (only those of `bookingID` when given) with a
    /// sequence above `afterSequence`, ascending, at most `limit`. Sequences are assigned
    /// by ``writeBooking(_:)``, strictly increasing in commit order across all tenants.
    func events(tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int) async throws -> [BookingEventRecord]

    /// The ReminderLog rows the query selects, newest first (by id, descending), at
    /// most `query.limit`, each with its delivery state.
    func reminderLog(_ query: ReminderLogQuery) async throws -> [ReminderLogEntry]

    /// Per channel that has any: `pending` jobs due by `now`, `pending` jobs due later,
    /// and `leased` jobs, sorted by channel name. Final jobs are not counted.
    func queueStats(now: Date) async throws -> [ChannelQueueStats]

    // MARK: Suppressions

    /// Puts a recipient on the tenant's suppression list for that channel and scope; an
    /// entry already there is kept as it is (its first reason and time). Returns the
    /// stored entry. An unknown tenant is `notFound` (``StoreEntity/tenant``).
    func addSuppression(_ suppression: Suppression) async throws -> Suppression
    /// Takes a recipient off the list for that channel and scope; whether it was on it.
    func removeSuppression(tenantID: String, channel: String, recipient: String, scope: SuppressionScope) async throws -> Bool
    /// The tenant's list (one channel's when given), newest first, at most `limit`.
    func suppressions(tenantID: String, channel: String?, limit: Int) async throws -> [Suppression]
    /// The tenant's entries that name any of `recipients` (every channel and scope).
    func suppressions(tenantID: String, recipients: [String]) async throws -> [Suppression]

    /// Customers' replies not yet acted on (``PendingReply``), oldest first, at most `limit`.
    func pendingReplies(limit: Int) async throws -> [PendingReply]
    /// Stores the booking reply `id` acts on, unless one is stored already (another core
    /// decided first); returns the reply as it is now, nil if it is gone.
    func decideReply(id: Int64, _ decision: PendingReply.Decision) async throws -> PendingReply?
    /// The reply has acted (or cannot): it is deleted.
    func finishReply(id: Int64) async throws

    /// The pending and confirmed bookings of any tenant whose customer phone is `phone`
    /// and that start after `after`, soonest first, at most `limit` (a reply's candidates).
    func upcomingBookings(customerPhone phone: String, after: Date, limit: Int) async throws -> [Booking]

    // MARK: Provider accounts

    /// Every account workers registered, by channel, provider and name.
    func providerAccounts() async throws -> [ProviderAccountRecord]
    /// The pending jobs per channel and account, by channel and account.
    func accountQueues(now: Date) async throws -> [AccountQueueStats]

    // MARK: Confirmation deadlines

    /// Bookings whose confirmation deadline (``Booking/confirmBy``) is at or before
    /// `now`, earliest deadline first, at most `limit`.
    func bookingsPastConfirmBy(_ now: Date, limit: Int) async throws -> [Booking]
    /// The earliest confirmation deadline of any booking; nil when none has one.
    func nextConfirmBy() async throws -> Date?

    // MARK: Link keys

    /// Every key that signs or still verifies customers' links, the current one first,
    /// then the rest newest first.
    func linkKeys() async throws -> [LinkKey]
    /// Stores `key` as the current key unless there is one already (two cores starting
    /// at once on one database end with one); returns ``linkKeys()``.
    func addLinkKeyIfNone(_ key: LinkKey) async throws -> [LinkKey]
    /// Makes `key` the current key: the current one retires at `retiring` (a key whose
    /// retirement is earlier keeps it), keys retired by `now` are deleted. Returns
    /// ``linkKeys()``.
    func rotateLinkKeys(to key: LinkKey, retiring: Date, now: Date) async throws -> [LinkKey]

    // MARK: API keys

    /// Stores a new key (its hash, never the key). An unknown tenant is `notFound`
    /// (``StoreEntity/tenant``); a taken id or hash is `alreadyExists` (``StoreEntity/apiKey``).
    func createAPIKey(_ key: APIKey) async throws
    /// The tenant's keys (nil: every key), by id; revoked ones only when asked.
    func apiKeys(tenantID: String?, includeRevoked: Bool) async throws -> [APIKey]
    func apiKey(id: String) async throws -> APIKey?
    /// The key whose hash this is, revoked or not (the caller checks `revokedAt`).
    func apiKey(hash: String) async throws -> APIKey?
    /// Marks the key revoked at `at` unless it already is (then the first time stays);
    /// returns the stored key. An unknown id is `notFound` (``StoreEntity/apiKey``).
    func revokeAPIKey(id: String, at: Date) async throws -> APIKey

    // MARK: Idempotency keys

    /// Claims `key` in `scope` (one API key's namespace) for a request with this
    /// fingerprint, in one write transaction, so two concurrent claims of one key
    /// cannot both get ``IdempotencyClaim/first``:
    /// 1. Every record (of any scope) created before `expiredBefore` is forgotten.
    /// 2. A stored record with another fingerprint: ``IdempotencyClaim/mismatch``.
    /// 3. One with an answer: ``IdempotencyClaim/replay(_:)`` with that answer.
    /// 4. One still running, claimed at or after `abandonedBefore`: ``IdempotencyClaim/inFlight``.
    /// 5. Otherwise (no record, or a claim running since before `abandonedBefore`, whose
    ///    front end died): the caller now holds the claim, created at `now`: ``IdempotencyClaim/first``.
    func claimIdempotencyKey(
        scope: String, key: String, fingerprint: String, now: Date, expiredBefore: Date, abandonedBefore: Date
    ) async throws -> IdempotencyClaim

    /// Stores the answer of a claimed key, so later claims replay it; with nil, forgets
    /// the claim so a retry runs the request again. A key that is not claimed is left alone.
    func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer?) async throws
}

extension AdminStore {
    /// The first page.
    public func bookings(tenantID: String, filter: BookingFilter, limit: Int) async throws -> [Booking] {
        try await bookings(tenantID: tenantID, filter: filter, after: nil, limit: limit)
    }

    /// ReminderLog rows of one tenant (nil: every tenant), only those of `bookingID` when
    /// given, newest first, at most `limit`.
    public func reminderLog(tenantID: String?, bookingID: String?, limit: Int) async throws -> [ReminderLogEntry] {
        try await reminderLog(ReminderLogQuery(tenantID: tenantID, bookingID: bookingID, limit: limit))
    }
}
