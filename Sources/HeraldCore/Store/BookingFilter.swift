import Foundation

/// Which bookings ``AdminStore/bookings(tenantID:filter:limit:)`` lists.
public enum BookingFilter: Sendable, Equatable {
    /// Pending and confirmed bookings starting at or after the date, soonest first.
    case upcoming(after: Date)
    /// Every booking, latest start first.
    case all
    /// Bookings of every status starting in `[from, before)`, soonest first: a day's
    /// appointments at the front desk, cancelled ones included.
    case starting(from: Date, before: Date)
    /// Bookings of every status whose id is the text, or whose customer name, e-mail
    /// or phone contains it (letters compared without case), latest start first.
    case matching(String)
}

/// Where a page of ``AdminStore/bookings(tenantID:filter:after:limit:)`` starts:
/// after the booking with this start and id, in the filter's order.
public struct BookingCursor: Sendable, Equatable {
    public var startAt: Date
    public var id: String

    public init(startAt: Date, id: String) {
        self.startAt = startAt
        self.id = id
    }
}

/// Which ReminderLog rows ``AdminStore/reminderLog(_:)`` reads, newest first (by id,
/// descending): every filter that is set narrows the rows.
public struct ReminderLogQuery: Sendable, Equatable {
    /// nil: every tenant.
    public var tenantID: String?
    public var bookingID: String?
    public var outcome: LogOutcome?
    public var channel: String?
    public var kind: NotificationKind?
    /// Rows logged at or after this time.
    public var since: Date?
    /// Rows logged before this time.
    public var until: Date?
    /// Rows with a smaller id only: the page after one whose last row has this id.
    public var beforeID: Int64?
    public var limit: Int

    public init(
        tenantID: String? = nil, bookingID: String? = nil, outcome: LogOutcome? = nil, channel: String? = nil,
        kind: NotificationKind? = nil, since: Date? = nil, until: Date? = nil, beforeID: Int64? = nil, limit: Int
    ) {
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.outcome = outcome
        self.channel = channel
        self.kind = kind
        self.since = since
        self.until = until
        self.beforeID = beforeID
        self.limit = limit
    }
}
