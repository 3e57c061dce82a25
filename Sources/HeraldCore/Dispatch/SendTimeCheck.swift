import Foundation

/// The last look at a job before it is handed to a worker: is it still the
/// notification the booking needs, and is it still worth sending?
///
/// A reminder planned for an old time (the booking moved: its schedule
/// version changed) or a booking that is no longer in the right state is
/// cancelled, never sent. A reminder that fell due while the core was down
/// (or while no worker was there) is sent late only within the grace and
/// before the appointment starts; otherwise it is recorded as missed.
public struct SendTimeCheck: Sendable {
    /// How late a reminder may still go out.
    public var lateGrace: TimeInterval

    public init(lateGrace: TimeInterval) {
        self.lateGrace = lateGrace
    }

    public func decide(_ candidate: LeaseCandidate, now: Date) -> LeaseDecision {
        let job = candidate.job
        guard let booking = candidate.booking else {
            return .cancel(reason: "booking \(job.bookingID) no longer exists")
        }
        // Webhooks and host notes tell of an event that happened; a later change of
        // the booking makes them no less true, so only customer messages are checked.
        let aboutAnEvent = job.kind == .webhook || job.kind == .hostNotification
        if !aboutAnEvent && job.scheduleVersion != booking.scheduleVersion {
            return .cancel(
                reason: "booking was rescheduled (planned for schedule version \(job.scheduleVersion), now \(booking.scheduleVersion))")
        }
        if !aboutAnEvent && !Self.allowedStatuses(for: job.kind).contains(booking.status) {
            return .cancel(reason: "booking is \(booking.status.rawValue)")
        }
        if job.kind == .webhook {
            guard let subscription = candidate.subscription else {
                return .cancel(reason: "webhook subscription \(job.subscriptionID ?? "?") was removed")
            }
            if !subscription.enabled {
                return .cancel(reason: "webhook subscription is disabled" + (subscription.disabledReason.map { ": \($0)" } ?? ""))
            }
        }
        if let teamDestinationID = job.teamDestinationID {
            guard let destination = candidate.teamDestination else {
                return .cancel(reason: "team destination \(teamDestinationID) was removed")
            }
            if !destination.enabled {
                return .cancel(reason: "team destination is disabled" + (destination.disabledReason.map { ": \($0)" } ?? ""))
            }
        }
        if candidate.suppressed.contains(where: { $0.covers(job.kind) }) {
            return .skip(reason: Suppression.skipReason)
        }
        if let notAfter = job.notAfter, now >= notAfter {
            return .miss(reason: "not sent before \(Timestamp.format(notAfter)), when it stopped being useful")
        }
        let lateness = now.timeIntervalSince(job.dueAt)
        if job.kind == .reminder || job.kind == .followUp, lateness > lateGrace {
            return .miss(
                reason: "due at \(Timestamp.format(job.dueAt)), \(Int(lateness / 60)) min ago, past the grace of \(Int(lateGrace / 60)) min (core down or no worker)")
        }
        return .lease
    }

    /// The moment from which a job is missed at send time (see ``decide(_:now:)``): its
    /// `notAfter`, and for reminders and follow-ups the end of the grace after their due
    /// time, whichever comes first; nil when it has none.
    public func deadline(kind: NotificationKind, dueAt: Date, notAfter: Date?) -> Date? {
        let graceEnds = kind == .reminder || kind == .followUp ? dueAt.addingTimeInterval(lateGrace) : nil
        return [notAfter, graceEnds].compactMap { $0 }.min()
    }

    /// The booking states in which a notification of each kind still makes sense.
    static func allowedStatuses(for kind: NotificationKind) -> Set<BookingStatus> {
        switch kind {
        // A pending booking has them only when its customer is asked to confirm.
        case .confirmation, .reminder, .reschedule: [.pending, .confirmed]
        case .cancellation: [.cancelled]
        case .followUp: [.completed]
        case .hostNotification, .webhook: Set(BookingStatus.allCases)
        }
    }
}
