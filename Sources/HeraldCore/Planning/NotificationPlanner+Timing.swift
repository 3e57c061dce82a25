import Foundation

extension NotificationPlanner {
    /// Where a reminder or follow-up ends up once quiet hours and the clock are taken into account.
    enum Placement: Equatable {
        case pending(NotificationJob)
        /// Its time has passed: recorded as `skipped` with the reason, never sent late.
        case skipped(NotificationJob, reason: String)
    }

    /// Moves a reminder or follow-up out of quiet hours, then skips it if its time has passed.
    ///
    /// Only these two kinds are timed: confirmations and other notices answer something
    /// the customer just did and go out at once, whatever the hour.
    ///
    /// A reminder planned after its time (a booking made 30 minutes before the start has
    /// missed its one-hour reminder) is not sent late: an "in one hour" that arrives with
    /// 30 minutes to go is wrong. It is kept as a `skipped` job with the reason, so the
    /// outbox and the log show why nothing went out.
    static func place(_ job: NotificationJob, _ input: PlanningInput) -> Placement {
        var placed = job
        placed.dueAt = outsideQuietHours(job, input)
        if job.kind == .followUp {
            placed.notAfter = placed.dueAt.addingTimeInterval(followUpLifetime)
        }
        if placed.dueAt <= input.now {
            return .skipped(placed, reason: tooLateReason(placed, plannedFor: job.dueAt, input))
        }
        // Offsets are at least a minute and quiet hours only move reminders earlier, so this
        // cannot happen; it is here so that no later change can make a reminder arrive
        // after the appointment began.
        if job.kind == .reminder, placed.dueAt >= input.booking.startAt {
            return .skipped(placed, reason: "the \(job.reminderOffsetMinutes)-min reminder would be due at or after the start")
        }
        return .pending(placed)
    }

    /// The due time of a reminder or follow-up, moved out of the tenant's quiet hours.
    ///
    /// Moved earlier, to the last minute before the quiet period began (a 07:30 reminder
    /// under 21:00–08:00 goes at 20:59 the evening before): a reminder that arrives after
    /// the quiet morning could come too close to, or after, an early appointment. Earlier
    /// never reaches the start, since the time moved was already before it.
    ///
    /// A follow-up moved earlier could land before the appointment ended ("how was it?"
    /// while it is still going on); it waits for the end of quiet hours instead.
    ///
    /// Times are local to the tenant's time zone (UTC if the identifier is unknown).
    static func outsideQuietHours(_ job: NotificationJob, _ input: PlanningInput) -> Date {
        guard let quietHours = input.settings.quietHours,
              let period = quietHours.period(containing: job.dueAt, calendar: tenantCalendar(input.settings))
        else { return job.dueAt }
        let lastMinuteBefore = period.start.addingTimeInterval(-60)
        if job.kind == .followUp, lastMinuteBefore < input.booking.endAt {
            return period.end
        }
        return lastMinuteBefore
    }

    /// Drops a reminder that quiet hours moved to (or before) the time of a larger-offset
    /// reminder to the same recipient on the same channel.
    ///
    /// Moving earlier can stack reminders: under 21:00–08:00, an 08:30 appointment's
    /// 10-hour and 1-hour reminders both land at 20:59 the evening before. Two identical
    /// messages in the same minute are noise, so the larger offset's is kept and the
    /// other is recorded as `skipped` with the reason.
    static func droppingCrowdedReminders(
        _ jobs: [NotificationJob]
    ) -> (kept: [NotificationJob], dropped: [(job: NotificationJob, reason: String)]) {
        var kept: [NotificationJob] = []
        var dropped: [(job: NotificationJob, reason: String)] = []
        var latest: [String: NotificationJob] = [:]
        for job in jobs.sorted(by: planOrder) {
            guard job.kind == .reminder else {
                kept.append(job)
                continue
            }
            let key = job.channel + "\u{0}" + job.recipient
            if let earlier = latest[key], job.dueAt <= earlier.dueAt {
                dropped.append((job, "quiet hours moved the \(job.reminderOffsetMinutes)-min reminder to or before "
                    + "the \(earlier.reminderOffsetMinutes)-min reminder; one message is enough"))
            } else {
                latest[key] = job
                kept.append(job)
            }
        }
        return (kept, dropped)
    }

    /// A Gregorian calendar in the tenant's time zone.
    static func tenantCalendar(_ settings: NotificationSettings) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: settings.timeZone) ?? TimeZone(identifier: "UTC")!
        return calendar
    }

    /// Why a timed job is skipped, in words an operator reading the log can act on, e.g.
    /// "booking made 30 min before the start; the 60-min reminder was due 30 min ago".
    static func tooLateReason(_ job: NotificationJob, plannedFor nominalDue: Date, _ input: PlanningInput) -> String {
        let overdue = wholeMinutes(input.now.timeIntervalSince(job.dueAt))
        let wasDue = overdue == 0 ? "was due just now" : "was due \(overdue) min ago"
        let moved = job.dueAt == nominalDue ? "" : " (moved out of quiet hours)"
        let booking = input.booking
        if job.kind == .followUp {
            let afterEnd = wholeMinutes(input.now.timeIntervalSince(booking.endAt))
            return "booking marked completed \(afterEnd) min after its end; the follow-up \(wasDue)\(moved)"
        }
        let toStart = wholeMinutes(booking.startAt.timeIntervalSince(input.now))
        let when: String = switch input.change {
        case .rescheduled: toStart > 0 ? "booking rescheduled to start in \(toStart) min" : "booking rescheduled to a start already past"
        case .confirmed: toStart > 0 ? "booking confirmed \(toStart) min before the start" : "booking confirmed after the start"
        default: toStart > 0 ? "booking made \(toStart) min before the start" : "booking made after the start"
        }
        return "\(when); the \(job.reminderOffsetMinutes)-min reminder \(wasDue)\(moved)"
    }

    private static func wholeMinutes(_ interval: TimeInterval) -> Int {
        Int((interval / 60).rounded())
    }
}
