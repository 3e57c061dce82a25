/// Where a booking stands. Only `pending` and `confirmed` bookings get reminders.
public enum BookingStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case pending
    case confirmed
    case cancelled
    case completed
    case noShow = "no_show"

    /// Whether the appointment is still expected to happen.
    public var isActive: Bool { self == .pending || self == .confirmed }
}
