import Foundation
import Synchronization

@testable import HeraldCore

/// A store that runs a test's hook just before a chosen operation, to force an
/// interleaving that otherwise happens only now and then (time moving on in the
/// middle of a dispatcher turn). Everything else goes to the real store.
final class InterleavingStore: HeraldStore {
    let base: SQLiteStore
    /// Called with the `after` argument before each `nextDueTime(channels:after:)`.
    let beforeNextDue = Mutex<(@Sendable (Date?) -> Void)?>(nil)

    init(_ base: SQLiteStore) { self.base = base }

    func nextDueTime(channels: Set<String>, after: Date?) async throws -> Date? {
        if let hook = beforeNextDue.withLock({ $0 }) { hook(after) }
        return try await base.nextDueTime(channels: channels, after: after)
    }

    func createTenant(_ tenant: Tenant, settings: NotificationSettings) async throws {
        try await base.createTenant(tenant, settings: settings)
    }
    func tenant(id: String) async throws -> Tenant? { try await base.tenant(id: id) }
    func tenants() async throws -> [Tenant] { try await base.tenants() }
    func settings(tenantID: String) async throws -> NotificationSettings? { try await base.settings(tenantID: tenantID) }
    func saveSettings(_ settings: NotificationSettings) async throws { try await base.saveSettings(settings) }
    func createEventType(_ eventType: EventType) async throws { try await base.createEventType(eventType) }
    func eventType(tenantID: String, id: String) async throws -> EventType? {
        try await base.eventType(tenantID: tenantID, id: id)
    }
    func eventTypes(tenantID: String) async throws -> [EventType] { try await base.eventTypes(tenantID: tenantID) }
    func saveEventType(_ eventType: EventType) async throws { try await base.saveEventType(eventType) }
    func bookingContext(tenantID: String, eventTypeID: String?, bookingID: String?) async throws -> BookingContext? {
        try await base.bookingContext(tenantID: tenantID, eventTypeID: eventTypeID, bookingID: bookingID)
    }
    func booking(id: String) async throws -> Booking? { try await base.booking(id: id) }
    func bookings(tenantID: String, filter: BookingFilter, after cursor: BookingCursor?, limit: Int) async throws -> [Booking] {
        try await base.bookings(tenantID: tenantID, filter: filter, after: cursor, limit: limit)
    }
    func writeBooking(_ write: BookingWrite) async throws -> BookingEventRecord { try await base.writeBooking(write) }
    func jobs(bookingID: String) async throws -> [NotificationJob] { try await base.jobs(bookingID: bookingID) }
    func createAPIKey(_ key: APIKey) async throws { try await base.createAPIKey(key) }
    func apiKeys(tenantID: String?, includeRevoked: Bool) async throws -> [APIKey] {
        try await base.apiKeys(tenantID: tenantID, includeRevoked: includeRevoked)
    }
    func apiKey(id: String) async throws -> APIKey? { try await base.apiKey(id: id) }
    func apiKey(hash: String) async throws -> APIKey? { try await base.apiKey(hash: hash) }
    func revokeAPIKey(id: String, at: Date) async throws -> APIKey { try await base.revokeAPIKey(id: id, at: at) }
    func claimIdempotencyKey(
        scope: String, key: String, fingerprint: String, now: Date, expiredBefore: Date, abandonedBefore: Date
    ) async throws -> IdempotencyClaim {
        try await base.claimIdempotencyKey(
            scope: scope, key: key, fingerprint: fingerprint, now: now, expiredBefore: expiredBefore, abandonedBefore: abandonedBefore)
    }
    func finishIdempotencyKey(scope: String, key: String, answer: IdempotentAnswer?) async throws {
        try await base.finishIdempotencyKey(scope: scope, key: key, answer: answer)
    }
    func createWebhook(_ subscription: WebhookSubscription) async throws { try await base.createWebhook(subscription) }
    func webhook(id: String) async throws -> WebhookSubscription? { try await base.webhook(id: id) }
    func webhooks(tenantID: String) async throws -> [WebhookSubscription] { try await base.webhooks(tenantID: tenantID) }
    func deleteWebhook(id: String) async throws { try await base.deleteWebhook(id: id) }
    func setWebhookEnabled(id: String, enabled: Bool, reason: String?) async throws {
        try await base.setWebhookEnabled(id: id, enabled: enabled, reason: reason)
    }
    func rotateWebhookSecret(id: String, secret: String) async throws { try await base.rotateWebhookSecret(id: id, secret: secret) }
    func createTeamDestination(_ destination: TeamDestination) async throws { try await base.createTeamDestination(destination) }
    func teamDestination(id: String) async throws -> TeamDestination? { try await base.teamDestination(id: id) }
    func teamDestinations(tenantID: String) async throws -> [TeamDestination] { try await base.teamDestinations(tenantID: tenantID) }
    func deleteTeamDestination(id: String) async throws { try await base.deleteTeamDestination(id: id) }
    func setTeamDestinationEnabled(id: String, enabled: Bool, reason: String?) async throws {
        try await base.setTeamDestinationEnabled(id: id, enabled: enabled, reason: reason)
    }
    func saveTemplate(_ template: MessageTemplate) async throws { try await base.saveTemplate(template) }
    func templates(tenantID: String) async throws -> [MessageTemplate] { try await base.templates(tenantID: tenantID) }
    func deleteTemplate(tenantID: String, kind: NotificationKind, channel: String) async throws -> Bool {
        try await base.deleteTemplate(tenantID: tenantID, kind: kind, channel: channel)
    }
    func events(tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int) async throws -> [BookingEventRecord] {
        try await base.events(tenantID: tenantID, bookingID: bookingID, afterSequence: afterSequence, limit: limit)
    }
    func appendLog(_ entry: ReminderLogEntry) async throws -> ReminderLogEntry { try await base.appendLog(entry) }
    func reminderLog(afterID: Int64, limit: Int) async throws -> [ReminderLogEntry] {
        try await base.reminderLog(afterID: afterID, limit: limit)
    }
    func lastReminderLogID() async throws -> Int64 { try await base.lastReminderLogID() }
    func reminderLog(tenantID: String?, bookingID: String?, limit: Int) async throws -> [ReminderLogEntry] {
        try await base.reminderLog(tenantID: tenantID, bookingID: bookingID, limit: limit)
    }
    func leaseDueJobs(_ query: LeaseQuery, decide: @escaping @Sendable (LeaseCandidate) -> LeaseDecision) async throws
        -> LeaseBatch
    {
        try await base.leaseDueJobs(query, decide: decide)
    }
    func applyResults(_ results: [JobResult]) async throws -> [ResultDisposition] { try await base.applyResults(results) }
    func releaseLeases(jobIDs: [String], now: Date) async throws -> Int { try await base.releaseLeases(jobIDs: jobIDs, now: now) }
    func expireLeases(now: Date) async throws -> Int { try await base.expireLeases(now: now) }
    func releaseAllLeases(now: Date) async throws -> Int { try await base.releaseAllLeases(now: now) }
    func nextLeaseExpiry() async throws -> Date? { try await base.nextLeaseExpiry() }
    func queueStats(now: Date) async throws -> [ChannelQueueStats] { try await base.queueStats(now: now) }
}
