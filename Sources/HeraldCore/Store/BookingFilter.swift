import Foundation

/// Which bookings ``AdminStore/bookings(tenantID:filter:limit:)`` lists.
public enum BookingFilter: Sendable, Equatable {
    /// Pending and confirmed bookings starting at or after the date, soonest first.
    case upcoming(after: Date)
    /// Every booking, latest start first.
    case all
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
