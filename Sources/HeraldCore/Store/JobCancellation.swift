/// Which open (pending or leased) jobs of a booking a ``BookingWrite`` cancels, and why.
///
/// Each cancelled job gets a ReminderLog row with outcome `cancelled` and the reason as its error.
public enum JobCancellation: Sendable, Equatable {
    /// Every open job of the booking (it was cancelled or rescheduled).
    case all(reason: String)
    /// Only open jobs of these kinds (e.g. reminders of a booking that is over).
    case kinds(Set<NotificationKind>, reason: String)

    public var reason: String {
        switch self {
        case let .all(reason), let .kinds(_, reason): reason
        }
    }

    /// Whether an open job of this kind is cancelled.
    public func includes(_ kind: NotificationKind) -> Bool {
        switch self {
        case .all: true
        case let .kinds(kinds, _): kinds.contains(kind)
        }
    }
}
