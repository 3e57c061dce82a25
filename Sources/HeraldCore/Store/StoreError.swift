/// What a store operation (``DispatchStore``, ``AdminStore``) can fail with, in terms a caller can map to
/// status codes (`NOT_FOUND`, `ALREADY_EXISTS`, `ABORTED`, `UNAVAILABLE`, `INTERNAL`).
public enum StoreError: Error, Sendable {
    /// The entity, or the parent it refers to, does not exist.
    case notFound(entity: String, id: String)
    /// An entity with this id (or unique key) is already stored.
    case alreadyExists(entity: String, id: String)
    /// The stored state is no longer what the caller read (optimistic concurrency).
    case conflict(String)
    /// The database refused the write for a reason outside the request (disk
    /// full, read-only, I/O error); nothing was stored, and it may pass.
    case unavailable(StoreUnavailable)
    /// Anything else, kept as the database reported it (for SQLite, GRDB's `DatabaseError`).
    case underlying(any Error & Sendable)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .notFound(entity, id): "\(entity) \(id) not found"
        case let .alreadyExists(entity, id): "\(entity) \(id) already exists"
        case let .conflict(message): "conflict: \(message)"
        case let .unavailable(problem): problem.description
        case let .underlying(error): "store error: \(error)"
        }
    }
}

/// The entity names used in ``StoreError``.
public enum StoreEntity {
    public static let tenant = "tenant"
    public static let settings = "notification_settings"
    public static let eventType = "event_type"
    public static let booking = "booking"
    public static let webhook = "webhook_subscription"
    public static let teamDestination = "team_destination"
    public static let job = "notification_job"
    public static let event = "booking_event"
    public static let reminderLog = "reminder_log"
    public static let apiKey = "api_key"
    public static let suppression = "suppression"
}
