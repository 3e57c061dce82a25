import GRDB
import Synchronization

/// What a booking write needs to know of its tenant (the tenant, its settings,
/// webhooks, team destinations and the event type asked for), and what a leased
/// delivery is made from (settings, templates, the booking's event type), kept in
/// memory between writes and leases, and dropped whenever any of those tables changes.
///
/// Every CreateBooking needs this context to validate and plan, and reading it took
/// a read transaction on GRDB's reader pool (a thread hop and six queries) per
/// booking, about an eighth of heraldd's CPU per booking under load. It changes
/// rarely (a tenant's configuration), so it is read once and served from here.
///
/// Staleness is ruled out on the writer connection, which every write goes through
/// (admin writes, the dispatcher's raw SQL that disables a webhook, cascades from a
/// deleted tenant): as a ``TransactionObserver`` of the configuration tables this
/// cache learns of each commit that touched one of them, before the writer returns
/// to its caller, and then forgets everything. A context read while such a commit
/// happens is not kept (the generation it was read under is gone), so the cache never
/// holds a context older than the last committed change. The core is the only
/// process that writes the file.
final class TenantContextCache: TransactionObserver, Sendable {
    /// The tables a ``BookingContext`` (without its booking) is read from.
    static let tables: Set<String> = [
        "tenants", "notification_settings", "event_types", "webhook_subscriptions", "team_destinations",
        "message_templates", "suppressions",
    ]
    /// More contexts than this (tenants times event types) and the cache starts over.
    static let capacity = 4096

    private struct Key: Hashable {
        var tenantID: String
        var eventTypeID: String?
    }

    private struct State {
        var generation: UInt64 = 0
        var contexts: [Key: BookingContext?] = [:]
        var deliveries: [Key: DeliveryConfiguration] = [:]
        /// Whether the writer's open transaction has changed a configuration table.
        var changedInTransaction = false
    }

    private let state = Mutex(State())

    /// The generation a read starts under; pass it back to ``store(_:tenantID:eventTypeID:generation:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The cached context: `.some(nil)` when the tenant is known not to exist, nil when not cached.
    func context(tenantID: String, eventTypeID: String?) -> BookingContext?? {
        state.withLock { $0.contexts[Key(tenantID: tenantID, eventTypeID: eventTypeID)] }
    }

    /// Keeps a context read under `generation`, unless a change has committed since.
    func store(_ context: BookingContext?, tenantID: String, eventTypeID: String?, generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.contexts.count >= Self.capacity { state.contexts.removeAll() }
            state.contexts[Key(tenantID: tenantID, eventTypeID: eventTypeID)] = context
        }
    }

    /// The cached configuration of deliveries of this tenant and event type, if any.
    func delivery(tenantID: String, eventTypeID: String?) -> DeliveryConfiguration? {
        state.withLock { $0.deliveries[Key(tenantID: tenantID, eventTypeID: eventTypeID)] }
    }

    /// Keeps a delivery configuration read under `generation`, unless a change has committed since.
    func store(_ delivery: DeliveryConfiguration, tenantID: String, eventTypeID: String?, generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.deliveries.count >= Self.capacity { state.deliveries.removeAll() }
            state.deliveries[Key(tenantID: tenantID, eventTypeID: eventTypeID)] = delivery
        }
    }

    /// Forgets everything, as a committed change does: for a store that learns of
    /// changes another way (PostgreSQL: its own commits and other cores' notifications).
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.contexts.removeAll()
            state.deliveries.removeAll()
        }
    }

    // MARK: TransactionObserver (called on the writer's queue)

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        Self.tables.contains(eventKind.tableName)
    }

    func databaseDidChange(with event: DatabaseEvent) {
        state.withLock { $0.changedInTransaction = true }
        // One change is enough to know: no more callbacks until the transaction ends.
        stopObservingDatabaseChangesUntilNextTransaction()
    }

    func databaseDidCommit(_ db: Database) {
        state.withLock { state in
            guard state.changedInTransaction else { return }
            state.changedInTransaction = false
            state.generation &+= 1
            state.contexts.removeAll()
            state.deliveries.removeAll()
        }
    }

    func databaseDidRollback(_ db: Database) {
        state.withLock { $0.changedInTransaction = false }
    }
}

/// What the deliveries of one tenant and event type are rendered from.
struct DeliveryConfiguration: Sendable {
    var settings: NotificationSettings?
    /// The tenant's own templates, by kind and channel.
    var templates: [MessageTemplate]
    var eventType: EventType?
}
