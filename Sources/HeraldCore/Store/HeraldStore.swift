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

    func booking(id: String) async throws -> Booking?
    func bookings(tenantID: String, filter: BookingFilter, limit: Int) async throws -> [Booking]
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

    // MARK: Events and the ReminderLog

    /// The tenant's events (optionally of one booking) after a sequence, ascending.
    func events(tenantID: String, bookingID: String?, afterSequence: Int64, limit: Int) async throws -> [BookingEventRecord]
    /// Appends an outcome. A second `sent` row for the same notification fails with
    /// ``StoreError/alreadyExists(entity:id:)``.
    func appendLog(_ entry: ReminderLogEntry) async throws -> ReminderLogEntry
    /// The tenant's log (optionally of one booking), newest first.
    func reminderLog(tenantID: String, bookingID: String?, limit: Int) async throws -> [ReminderLogEntry]
}
