import Foundation

/// Asking customers to confirm their bookings ("ask for confirmation"): whose
/// customers are asked, the status a new booking starts in, and the deadline by
/// which a still-pending booking is overdue.
///
/// While a booking is pending and asked (``Booking/awaitingConfirmation``), its
/// confirmation and reminders ask the customer to confirm (the templates see
/// `{{awaiting_confirmation}}`); once confirmed, the reminders already planned read
/// as for a confirmed booking. At the deadline the core records `booking.unconfirmed`
/// (a note to the team and to webhooks) or, with ``NotificationSettings/cancelUnconfirmed``,
/// cancels the booking through the normal path.
public enum ConfirmationRequest {
    /// The event type's choice, else the tenant's.
    public static func asks(settings: NotificationSettings, eventType: EventType?) -> Bool {
        eventType?.askConfirmation ?? settings.askConfirmation
    }

    /// The status of a new booking: what the booking app asked for, else pending when
    /// customers are asked to confirm and confirmed when they are not.
    public static func initialStatus(requested: BookingStatus?, asks: Bool) -> BookingStatus {
        requested ?? (asks ? .pending : .confirmed)
    }

    /// The booking as this write stores it: asked on create when it starts pending
    /// under "ask for confirmation", and its deadline set while it awaits confirmation
    /// (recomputed when it moves, cleared when it is confirmed, cancelled, finished or
    /// reported unconfirmed).
    ///
    /// A booking made or moved so late that its deadline has already passed gets none:
    /// it is not cancelled, or reported, the moment it is made.
    public static func stamped(
        _ booking: Booking, change: BookingEventType, settings: NotificationSettings, eventType: EventType?, now: Date
    ) -> Booking {
        var stamped = booking
        if change == .created {
            stamped.askedToConfirm = booking.status == .pending && asks(settings: settings, eventType: eventType)
        }
        switch change {
        case .created, .rescheduled:
            stamped.confirmBy = stamped.awaitingConfirmation ? deadline(startAt: booking.startAt, settings: settings, now: now) : nil
        case .confirmed, .cancelled, .completed, .noShow, .unconfirmed:
            stamped.confirmBy = nil
        }
        return stamped
    }

    /// `confirmDeadlineMinutes` before the start, if the tenant set a deadline and it is still ahead.
    static func deadline(startAt: Date, settings: NotificationSettings, now: Date) -> Date? {
        guard settings.confirmDeadlineMinutes > 0 else { return nil }
        let deadline = startAt.addingTimeInterval(-Double(settings.confirmDeadlineMinutes) * 60)
        return deadline > now ? deadline : nil
    }

    /// What the core does with a booking found at its deadline.
    public enum Overdue: Equatable, Sendable {
        /// Nothing: it was confirmed, cancelled or moved meanwhile (its deadline is gone or later).
        case nothing
        /// Record `booking.unconfirmed`: the team and webhooks hear of it.
        case tellTheTeam
        /// Cancel it, with the usual notices.
        case cancel
    }

    public static func overdue(_ booking: Booking, settings: NotificationSettings, now: Date) -> Overdue {
        guard booking.awaitingConfirmation, let confirmBy = booking.confirmBy, confirmBy <= now else { return .nothing }
        return settings.cancelUnconfirmed ? .cancel : .tellTheTeam
    }

    /// The reason a booking cancelled at its deadline carries.
    static func cancellationReason(deadline: Date) -> String {
        "not confirmed by \(Timestamp.format(deadline))"
    }
}
