/// The booking events Herald stores, publishes and delivers to webhooks.
public enum BookingEventType: String, Sendable, Equatable, Codable, CaseIterable {
    case created = "booking.created"
    case confirmed = "booking.confirmed"
    case rescheduled = "booking.rescheduled"
    case cancelled = "booking.cancelled"
    case completed = "booking.completed"
    case noShow = "booking.no_show"
    /// A booking whose customer was asked to confirm reached its confirmation deadline
    /// still pending; the booking itself did not change.
    case unconfirmed = "booking.unconfirmed"
}
