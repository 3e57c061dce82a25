import Foundation

/// The reads of a tenant's notification configuration: what the admin API shows
/// (``AdminStore`` refines it). The dispatcher gets the same values with each leased
/// job (``LeasedJob``), so ``DispatchStore`` does not ask for them.
///
/// What every store protocol of Herald promises (``DispatchStore``, ``AdminStore``):
/// - Each method is one transaction: it happens whole or not at all, and a read sees
///   one committed state (never half of another caller's write).
/// - Failures are ``StoreError``s: `notFound` and `alreadyExists` name the entity
///   (one of ``StoreEntity``) and the id, `conflict` is a stale optimistic write,
///   `unavailable` a database that refuses writes for a reason outside the request
///   (disk full, read-only, unreachable) and may pass, `underlying` anything else.
/// - Dates are kept at millisecond precision: a value read back equals the value
///   written with its sub-millisecond part dropped, and comparisons (`dueAt <= now`)
///   are made at that precision.
/// - Values are the model's plain types; nothing names SQL or a database library,
///   so SQLite (one core) and PostgreSQL (several cores on one database) can both
///   implement them.
public protocol TenantConfigurationStore: Sendable {
    /// The tenant's notification settings; nil when there is no such tenant.
    func settings(tenantID: String) async throws -> NotificationSettings?

    /// One event type of a tenant; nil when the tenant has none with this id
    /// (event type ids are unique per tenant, not globally).
    func eventType(tenantID: String, id: String) async throws -> EventType?

    /// The tenant's own message templates, ordered by kind then channel (each by
    /// its raw value); empty when it has none or the tenant does not exist.
    /// A (tenant, kind, channel) has at most one template.
    func templates(tenantID: String) async throws -> [MessageTemplate]
}
