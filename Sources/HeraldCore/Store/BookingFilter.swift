import Foundation

/// Which bookings ``HeraldStore/bookings(tenantID:filter:limit:)`` lists.
public enum BookingFilter: Sendable, Equatable {
    /// Pending and confirmed bookings starting at or after the date, soonest first.
    case upcoming(after: Date)
    /// Every booking, latest start first.
    case all
}
