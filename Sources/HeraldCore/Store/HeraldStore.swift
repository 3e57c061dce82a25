import Foundation

/// Herald's persistent state, as whole operations.
///
/// Each method is one transaction, and nothing in the interface names SQL or a
/// database library, so a second implementation (PostgreSQL, with several cores
/// claiming jobs) can satisfy it unchanged. Failures are ``StoreError``s.
public protocol HeraldStore: Sendable {
    // MARK: Tenants and settings

    /// Creates a tenant together with its notification settings.
    func createTenant(_ tenant: Tenant, settings: NotificationSettings) async throws
    func tenant(id: String) async throws -> Tenant?
    /// All tenants, by id.
    func tenants() async throws -> [Tenant]

    func settings(tenantID: String) async throws -> NotificationSettings?
    /// Replaces the settings of an existing tenant.
    func saveSettings(_ settings: NotificationSettings) async throws

    // MARK: Event types

    func createEventType(_ eventType: EventType) async throws
    func eventType(tenantID: String, id: String) async throws -> EventType?
    /// The tenant's event types, by id.
    func eventTypes(tenantID: String) async throws -> [EventType]
    /// Replaces an existing event type.
    func saveEventType(_ eventType: EventType) async throws

    // MARK: Bookings and the outbox

    /// The tenant, its settings, webhooks and team destinations, an event type and
    /// a booking, in one read; nil when the tenant does not exist.
    func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext?
    func booking(id: String) async throws -> Booking?
    /// One page of the tenant's bookings in the filter's order, after `cursor` when given.
    func bookings(tenantID: String, filter: BookingFilter, after cursor: BookingCursor?, limit: Int) async throws -> [Booking]
    /// Writes a booking change, its job cancellations, new jobs and event atomically,
    /// and returns the stored event with its sequence.
    @discardableResult
    func writeBooking(_ write: BookingWrite) async throws -> BookingEventRecord
    /// The booking's jobs, by due time.
    func jobs(bookingID: String) async throws -> [NotificationJob]

    // MARK: Webhooks

    func createWebhook(_ subscription: WebhookSubscription) async throws
    func webhook(id: String) async throws -> WebhookSubscription?
    /// The tenant's subscriptions, oldest first.
    func webhooks(tenantID: String) async throws -> [WebhookSubscription]
    func deleteWebhook(id: String) async throws

    /// Enables a subscription (clearing the reason) or disables it with `reason`.
    func setWebhookEnabled(id: String, enabled: Bool, reason: String?) async throws
    /// Replaces the subscription's signing secret.
    func rotateWebhookSecret(id: String, secret: String) async throws

    // MARK: Team destinations

    /// Stores a new destination; one with the same tenant, channel and recipient
    /// is ``StoreError/alreadyExists(entity:id:)``.
    func createTeamDestination(_ destination: TeamDestination) async throws
    func teamDestination(id: String) async throws -> TeamDestination?
    /// The tenant's destinations, oldest first.
    func teamDestinations(tenantID: String) async throws -> [TeamDestination]
    func deleteTeamDestination(id: String) async throws
    /// Enables a destination (clearing the reason) or disables it with `reason`.
    func setTeamDestinationEnabled(id: String, enabled: Bool, reason: String?) async throws

    // MARK: Templates

    /// Creates or replaces the tenant's template for one kind and channel.
    func saveTemplate(_ template: MessageTemplate) async throws
    /// The tenant's own templates, by kind and channel.
    func templates(tenantID: String) async throws -> [MessageTemplate]
    /// Removes the tenant's template (back to the default); false if there was none.
    func deleteTemplate(tenantID: String, kind: NotificationKind, channel: String) async throws -> Bool

    // MARK: Events and the ReminderLog

    /// The tenant's events (optionally of one booking) after a sequence, ascending.
    func events(tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int) async throws -> [BookingEventRecord]
    /// Appends an outcome. A second `sent` row for the same notification fails with
    /// ``StoreError/alreadyExists(entity:id:)``.
    func appendLog(_ entry: ReminderLogEntry) async throws -> ReminderLogEntry
    /// The log of one tenant (nil: all tenants), optionally of one booking, newest first.
    /// ReminderLog rows written after the row `afterID`, oldest first (for publishing).
    func reminderLog(afterID: Int64, limit: Int) async throws -> [ReminderLogEntry]
    /// The id of the newest ReminderLog row; 0 when there is none.
    func lastReminderLogID() async throws -> Int64
    func reminderLog(tenantID: String?, bookingID: String?, limit: Int) async throws -> [ReminderLogEntry]

    // MARK: API keys

    func createAPIKey(_ key: APIKey) async throws
    /// The tenant's keys (nil: every key), oldest first; revoked ones only when asked.
    func apiKeys(tenantID: String?, includeRevoked: Bool) async throws -> [APIKey]
    func apiKey(id: String) async throws -> APIKey?
    /// The key whose hash this is, revoked or not.
    func apiKey(hash: String) async throws -> APIKey?
    /// Marks the key revoked at `at` unless it already is; returns the stored key.
    func revokeAPIKey(id: String, at: Date) async throws -> APIKey

    // MARK: Idempotency keys

    /// Claims `key` in `scope` for a request with this fingerprint. Records created
    /// before `expiredBefore` are forgotten first; a claim still running since before
    /// `abandonedBefore` (its front end died) may be taken over.
    func claimIdempotencyKey(
        scope: String, key: String, fingerprint: String, now: Date, expiredBefore: Date, abandonedBefore: Date
    ) async throws -> IdempotencyClaim
    /// Stores the answer of a claimed key, or with nil releases the claim so a retry runs again.
    func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer?) async throws

    // MARK: Dispatch

    /// Leases up to `query.limit` due, eligible pending jobs of a channel, oldest due first.
    ///
    /// In one transaction, each candidate is loaded with its booking, webhook
    /// subscription or team destination, and event, and passed to `decide` (the send-time check): `.lease` marks it `leased`
    /// (attempt + 1, `leasedTo`, `leaseExpiresAt`); `.cancel` and `.miss` end it as
    /// `cancelled` / `missed` with a ReminderLog row. A candidate whose booking is gone
    /// is cancelled even if `decide` says `.lease`. `decide` must be quick and must not
    /// call the store (it runs inside the write transaction, hence `@escaping`).
    /// Cancelled and missed jobs do not count toward the limit.
    func leaseDueJobs(
        _ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision
    ) async throws -> LeaseBatch
    /// Applies delivery results in one transaction; the dispositions are in input order.
    /// A result applies only to a `leased` job whose `attempt` equals the result's.
    func applyResults(_ results: [JobResult]) async throws -> [ResultDisposition]
    /// Returns these jobs, if still leased, to `pending`, due `now` (their worker is gone).
    @discardableResult
    func releaseLeases(jobIDs: [String], now: Date) async throws -> Int
    /// Returns jobs whose lease expired (`leaseExpiresAt <= now`) to `pending`, due `now`;
    /// leasing them again increments their attempt.
    @discardableResult
    func expireLeases(now: Date) async throws -> Int
    /// Returns every leased job to `pending`, due `now` (at core start, no worker holds any).
    @discardableResult
    func releaseAllLeases(now: Date) async throws -> Int
    /// The earliest `dueAt` of pending jobs in these channels; nil when none (or no channels).
    /// - Parameter after: only jobs due later than this (nil: any), for channels
    ///   whose due jobs could not all be handed out now.
    func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date?
    /// The earliest lease expiry of leased jobs; nil when none is leased.
    func nextLeaseExpiry() async throws -> Date?
    /// Pending (due and scheduled) and leased jobs per channel, by channel name.
    func queueStats(now: Date) async throws -> [ChannelQueueStats]
}

extension HeraldStore {
    /// The first page.
    public func bookings(tenantID: String, filter: BookingFilter, limit: Int) async throws -> [Booking] {
        try await bookings(tenantID: tenantID, filter: filter, after: nil, limit: limit)
    }
}
