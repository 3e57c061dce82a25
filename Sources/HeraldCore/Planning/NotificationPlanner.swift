import Foundation

/// Turns one booking write into the outbox changes it implies: which open jobs to
/// cancel, which jobs to add, and which reminders are already too late to send.
///
/// A pure function of ``PlanningInput``: no I/O, no clock, so the admin service can
/// plan a write before committing it in one transaction, and tests can state each
/// policy exactly.
public enum NotificationPlanner {
    public static func plan(_ input: PlanningInput) -> NotificationPlan {
        var immediate: [NotificationJob] = []
        var timed: [NotificationJob] = []
        var cancellation: (scope: CancelScope, reason: String)?

        switch input.change {
        case .created, .confirmed:
            if input.change == .confirmed, input.booking.askedToConfirm {
                // Asked while pending: its reminders stand and now read as for a confirmed
                // booking; a request not yet sent would only repeat the acknowledgement.
                cancellation = (.kinds([.confirmation]), "booking confirmed")
                immediate += confirmations(input, acknowledging: true)
            } else if input.booking.status == .confirmed || input.booking.awaitingConfirmation {
                immediate += confirmations(input)
                timed += reminders(input)
            }
        case .rescheduled:
            cancellation = (rescheduledBookingScope, "booking rescheduled")
            immediate += rescheduleNotices(input)
            if input.booking.status == .confirmed || input.booking.awaitingConfirmation {
                timed += reminders(input)
            }
        case .unconfirmed:
            break  // Only the team and webhooks hear of it (below).
        case .cancelled:
            cancellation = (cancelledBookingScope, "booking cancelled")
            immediate += cancellationNotices(input)
        case .completed:
            cancellation = (.kinds([.reminder]), "booking completed")
            timed += followUp(input).map { [$0] } ?? []
        case .noShow:
            cancellation = (.kinds([.reminder]), "booking marked no-show")
        }
        immediate += hostNotifications(input)
        immediate += webhookDeliveries(input)

        var plan = NotificationPlan(
            cancelsPendingJobs: cancellation?.scope,
            cancellationReason: cancellation?.reason ?? ""
        )
        var placedTimed: [NotificationJob] = []
        for job in timed {
            switch place(job, input) {
            case let .pending(placed):
                placedTimed.append(placed)
            case let .skipped(placed, reason):
                plan.skipped.append(skipping(placed, reason))
            }
        }
        let (kept, crowdedOut) = droppingCrowdedReminders(placedTimed)
        plan.jobs = immediate + kept
        plan.skipped += crowdedOut.map { skipping($0.job, $0.reason) }
        // Opted-out recipients: planned, so the schedule says why nothing goes.
        if !input.suppressions.isEmpty {
            let (wanted, stopped) = plan.jobs.reduce(into: ([NotificationJob](), [NotificationJob]())) { split, job in
                if input.suppressions.stopping(job) != nil { split.1.append(job) } else { split.0.append(job) }
            }
            plan.jobs = wanted
            plan.skipped += stopped.map { skipping($0, Suppression.skipReason) }
        }
        plan.jobs.sort(by: planOrder)
        plan.skipped.sort(by: planOrder)
        plan.logEntries = plan.skipped.map {
            ReminderLogEntry(job: $0, outcome: .skipped, error: $0.lastError, loggedAt: input.now)
        }
        return plan
    }

    private static func skipping(_ job: NotificationJob, _ reason: String) -> NotificationJob {
        var skipped = job
        skipped.status = .skipped
        skipped.lastError = reason
        return skipped
    }

    // MARK: - What each change cancels

    /// A new time makes every reminder, and any confirmation or earlier reschedule
    /// notice not yet sent, wrong; notices of other kinds and webhook deliveries of
    /// earlier events are still true and still go out.
    static let rescheduledBookingScope = CancelScope.kinds([.reminder, .confirmation, .reschedule])

    /// Nothing a customer or host was to be told about a cancelled booking is worth
    /// sending, except the cancellation itself (planned by this write, after the cancel).
    ///
    /// Webhook deliveries of earlier events are kept: a subscriber must still see
    /// `booking.created` before `booking.cancelled`, or it learns of a cancellation of a
    /// booking it never heard of. (This is every kind but `webhook`, not ``CancelScope/all``.)
    static let cancelledBookingScope = CancelScope.kinds(
        Set(NotificationKind.allCases).subtracting([.webhook])
    )

    // MARK: - Customer messages

    /// A confirmation per customer channel, at once, unless the event type turns them off.
    /// A confirmed booking gets one; a pending one only when its customer is asked to
    /// confirm, and then it asks (its wording follows the booking's status at send time).
    ///
    /// - Parameter acknowledging: the customer confirmed a booking they were asked to
    ///   confirm: this confirmation carries the event's id, so it is a notification of
    ///   its own beside the request sent before.
    static func confirmations(_ input: PlanningInput, acknowledging: Bool = false) -> [NotificationJob] {
        guard input.eventType?.sendConfirmation ?? true else { return [] }
        return Destination.customer(settings: input.settings, booking: input.booking, eventType: input.eventType).map { destination in
            job(.confirmation, to: destination, input, dueAt: input.now, notAfter: input.booking.startAt,
                eventID: acknowledging ? input.event.id : "")
        }
    }

    /// A notice of the new time per customer channel, at once, unless the event type turns them off.
    static func rescheduleNotices(_ input: PlanningInput) -> [NotificationJob] {
        guard input.eventType?.sendRescheduleNotice ?? true else { return [] }
        return customerNotices(.reschedule, notAfter: input.booking.startAt, input)
    }

    /// A cancellation notice per customer channel, at once, unless the event type turns them off.
    /// Worth sending until the appointment would have begun, not after.
    static func cancellationNotices(_ input: PlanningInput) -> [NotificationJob] {
        guard input.eventType?.sendCancellationNotice ?? true else { return [] }
        let oldStart = input.previous?.startAt ?? input.booking.startAt
        return customerNotices(.cancellation, notAfter: oldStart, input)
    }

    /// One reminder per offset per customer channel, due `offset` minutes before the
    /// start (before quiet hours and the too-late rule, see ``place(_:_:)``).
    ///
    /// The event type's offsets replace the tenant's. Offsets below one minute and
    /// repeated offsets are dropped (validation rejects them already): a reminder at
    /// or after the start is no reminder, and a repeat would be a duplicate message.
    static func reminders(_ input: PlanningInput) -> [NotificationJob] {
        let offsets = Set(input.eventType?.reminderOffsets ?? input.settings.reminderOffsets).filter { $0 >= 1 }
        return Destination.customer(settings: input.settings, booking: input.booking, eventType: input.eventType).flatMap { destination in
            offsets.map { offset in
                job(
                    .reminder, to: destination, input,
                    dueAt: input.booking.startAt.addingTimeInterval(-Double(offset) * 60),
                    notAfter: input.booking.startAt,
                    reminderOffsetMinutes: offset
                )
            }
        }
    }

    /// One follow-up, `followUpMinutes` after the end, when the tenant wants them, on the
    /// first channel the customer has (email, then SMS, then WhatsApp).
    ///
    /// Unlike a reminder it is sent once, not per channel: one "how was it?" is a
    /// courtesy, the same question by mail, text and WhatsApp is spam. It stays worth
    /// sending for a week.
    static func followUp(_ input: PlanningInput) -> NotificationJob? {
        guard input.settings.followUpEnabled,
              let destination = Destination.customer(settings: input.settings, booking: input.booking, eventType: input.eventType).first
        else { return nil }
        let due = input.booking.endAt.addingTimeInterval(Double(input.settings.followUpMinutes) * 60)
        return job(.followUp, to: destination, input, dueAt: due, notAfter: due.addingTimeInterval(followUpLifetime))
    }

    /// How long after its due time a follow-up may still go out.
    static let followUpLifetime: TimeInterval = 7 * 24 * 60 * 60

    private static func customerNotices(_ kind: NotificationKind, notAfter: Date, _ input: PlanningInput) -> [NotificationJob] {
        Destination.customer(settings: input.settings, booking: input.booking, eventType: input.eventType).map { destination in
            job(kind, to: destination, input, dueAt: input.now, notAfter: notAfter)
        }
    }

    // MARK: - Hosts and webhooks

    /// The notes to the tenant's own people about this change, at once: one e-mail per
    /// host address of the event type when a booking is made, moved or cancelled, and
    /// one message per enabled team destination that wants this change, on its channel.
    /// Each carries the event id, so the note about each change is a notification of
    /// its own rather than a repeat of the last one.
    ///
    /// A recipient is told once per change on each channel, even when it is both a host
    /// address and a team destination (e-mail addresses compare without case). Hosts and
    /// team destinations are the tenant's own configuration, so the customer-channel
    /// switches (`emailEnabled`, ...) do not apply to them.
    static func hostNotifications(_ input: PlanningInput) -> [NotificationJob] {
        var hosts: [(destination: Destination, teamDestinationID: String?)] = []
        if [.created, .rescheduled, .cancelled, .unconfirmed].contains(input.change), let eventType = input.eventType {
            hosts += eventType.hostEmails.map {
                (Destination(channel: "email", recipient: $0, account: input.settings.account(for: "email", eventType: input.eventType)), nil)
            }
        }
        hosts += input.teamDestinations
            .filter { $0.wants(input.change) && $0.tenantID == input.booking.tenantID }
            .map { (Destination(channel: $0.channel, recipient: $0.recipient, account: input.settings.account(for: $0.channel, eventType: input.eventType)), $0.id) }

        var seen = Set<String>()
        return hosts.compactMap { host in
            var destination = host.destination
            destination.recipient = destination.recipient.trimmingCharacters(in: .whitespacesAndNewlines)
            let key = destination.channel + "\u{0}"
                + (destination.channel == "email" ? destination.recipient.lowercased() : destination.recipient)
            guard !destination.recipient.isEmpty, seen.insert(key).inserted else { return nil }
            return job(
                .hostNotification, to: destination, input,
                dueAt: input.now, notAfter: nil, eventID: input.event.id, teamDestinationID: host.teamDestinationID
            )
        }
    }

    /// One delivery of this write's event per enabled subscription that asked for its
    /// type, at once. Subscriptions of another tenant are ignored even if passed in: a
    /// booking must never reach another tenant's endpoint.
    static func webhookDeliveries(_ input: PlanningInput) -> [NotificationJob] {
        input.webhooks
            .filter { $0.enabled && $0.wants(input.change) && $0.tenantID == input.booking.tenantID }
            .map { subscription in
                job(
                    .webhook, to: Destination(channel: "webhook", recipient: subscription.url), input,
                    dueAt: input.now, notAfter: nil, eventID: input.event.id, subscriptionID: subscription.id
                )
            }
    }

    // MARK: - Jobs

    /// A new pending job of this booking, for its current schedule version.
    static func job(
        _ kind: NotificationKind,
        to destination: Destination,
        _ input: PlanningInput,
        dueAt: Date,
        notAfter: Date?,
        reminderOffsetMinutes: Int = 0,
        eventID: String = "",
        subscriptionID: String? = nil,
        teamDestinationID: String? = nil
    ) -> NotificationJob {
        NotificationJob(
            id: Identifier.make(prefix: "job"),
            tenantID: input.booking.tenantID,
            bookingID: input.booking.id,
            kind: kind,
            channel: destination.channel,
            provider: destination.provider,
            fallbackProvider: destination.fallbackProvider,
            recipient: destination.recipient,
            reminderOffsetMinutes: reminderOffsetMinutes,
            scheduleVersion: input.booking.scheduleVersion,
            eventID: eventID,
            subscriptionID: subscriptionID,
            teamDestinationID: teamDestinationID,
            dueAt: dueAt,
            notAfter: notAfter,
            status: .pending,
            attempt: 0,
            createdAt: input.now,
            updatedAt: input.now,
            account: destination.account
        )
    }

    /// Kind (in ``NotificationKind`` order), channel (email, SMS, WhatsApp, webhook, then by
    /// name), offset largest first, then recipient and subscription: a plan lists its jobs
    /// the same way every time, whatever order the settings and subscriptions came in.
    static func planOrder(_ a: NotificationJob, _ b: NotificationJob) -> Bool {
        let kinds = NotificationKind.allCases
        let channels = ["email", "sms", "whatsapp", "webhook"]
        func key(_ job: NotificationJob) -> (Int, Int, String, Int, String, String) {
            (
                kinds.firstIndex(of: job.kind) ?? kinds.count,
                channels.firstIndex(of: job.channel) ?? channels.count,
                job.channel,
                -job.reminderOffsetMinutes,
                job.recipient,
                job.subscriptionID ?? job.teamDestinationID ?? ""
            )
        }
        return key(a) < key(b)
    }
}
