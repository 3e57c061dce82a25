/// Which open jobs of a booking a write must cancel before inserting its new ones.
///
/// The lead maps it, with ``NotificationPlan/cancellationReason``, to the store's job cancellation.
public enum CancelScope: Sendable, Equatable {
    /// Every open job of the booking.
    case all
    /// Only open jobs of these kinds.
    case kinds(Set<NotificationKind>)

    /// Whether an open job of this kind is cancelled.
    public func includes(_ kind: NotificationKind) -> Bool {
        switch self {
        case .all: true
        case let .kinds(kinds): kinds.contains(kind)
        }
    }
}
