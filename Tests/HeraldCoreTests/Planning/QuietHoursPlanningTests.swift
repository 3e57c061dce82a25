import Foundation
import Testing
@testable import HeraldCore

private typealias F = PlanningFixtures

@Suite("Quiet hours: reminders and follow-ups move out of the tenant's night")
struct QuietHoursPlanningTests {
    /// 21:00–08:00, crossing midnight.
    let night = QuietHours(startMinute: 21 * 60, endMinute: 8 * 60)

    @Test func theWindowIncludesItsStartAndExcludesItsEnd() {
        #expect(night.contains(minuteOfDay: 21 * 60))
        #expect(night.contains(minuteOfDay: 0))
        #expect(night.contains(minuteOfDay: 7 * 60 + 59))
        #expect(!night.contains(minuteOfDay: 8 * 60))
        #expect(!night.contains(minuteOfDay: 20 * 60 + 59))
        let lunch = QuietHours(startMinute: 12 * 60, endMinute: 13 * 60)
        #expect(lunch.contains(minuteOfDay: 12 * 60 + 30) && !lunch.contains(minuteOfDay: 13 * 60))
        #expect(!QuietHours(startMinute: 600, endMinute: 600).contains(minuteOfDay: 600), "an empty window silences nothing")
    }

    @Test func aMorningReminderMovesToTheMinuteBeforeQuietHoursTheEveningBefore() {
        // New York in June is UTC-4: 08:30 local is 12:30Z.
        let start = F.at("2025-06-12T08:30:00-04:00")
        let now = F.at("2025-06-10T12:00:00-04:00")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(offsets: [1440, 60], timeZone: "America/New_York", quietHours: night), now: now
        ))
        #expect(plan.summaries == [
            JobSummary(.confirmation, "email", 0, now),
            // 08:30 the day before is after quiet hours: unchanged.
            JobSummary(.reminder, "email", 1440, F.at("2025-06-11T08:30:00-04:00")),
            // 07:30 on the day, inside the window's morning part.
            JobSummary(.reminder, "email", 60, F.at("2025-06-11T20:59:00-04:00")),
        ])
        #expect(plan.jobs.allSatisfy { $0.notAfter == start })
        #expect(plan.skipped.isEmpty)
    }

    @Test func anEveningReminderMovesToTheMinuteBeforeQuietHoursTheSameEvening() {
        // 10 hours before 08:30 is 22:30 the evening before, in the window's evening part.
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: F.at("2025-06-12T08:30:00-04:00")),
            settings: F.settings(offsets: [600], timeZone: "America/New_York", quietHours: night),
            now: F.at("2025-06-10T12:00:00-04:00")
        ))
        #expect(plan.jobs.last.map(JobSummary.init) == JobSummary(.reminder, "email", 600, F.at("2025-06-11T20:59:00-04:00")))
    }

    @Test func remindersThatQuietHoursStackOnTheSameMinuteAreSentOnce() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: F.at("2025-06-12T08:30:00Z")),
            settings: F.settings(email: true, sms: true, offsets: [600, 60, 45], quietHours: night),
            now: F.at("2025-06-10T12:00:00Z")
        ))
        let evening = F.at("2025-06-11T20:59:00Z")
        #expect(plan.summaries.filter { $0.kind == .reminder } == [
            JobSummary(.reminder, "email", 600, evening),
            JobSummary(.reminder, "sms", 600, evening),
        ])
        #expect(plan.skippedSummaries == [
            JobSummary(.reminder, "email", 60, evening),
            JobSummary(.reminder, "email", 45, evening),
            JobSummary(.reminder, "sms", 60, evening),
            JobSummary(.reminder, "sms", 45, evening),
        ])
        #expect(plan.skipped.first?.lastError
            == "quiet hours moved the 60-min reminder to or before the 600-min reminder; one message is enough")
        #expect(plan.logEntries.count == 4)
    }

    @Test func noticesGoOutAtOnceEvenAtNight() {
        let now = F.at("2025-06-10T23:30:00Z")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: F.at("2025-06-20T12:00:00Z")),
            settings: F.settings(offsets: [60], quietHours: night), now: now
        ))
        #expect(plan.jobs.first.map(JobSummary.init) == JobSummary(.confirmation, "email", 0, now))
    }

    @Test func springForwardNightInBerlinIsAnHourShorter() {
        // 2025-03-30: clocks go from 02:00 CET (+01) to 03:00 CEST (+02).
        // 08:30 CEST is 06:30Z; the 60-min reminder (07:30 CEST, 05:30Z) moves to
        // 20:59 CET on the 29th, which is 19:59Z, not 18:59Z as the reminder's own offset (+02) would say.
        let start = F.at("2025-03-30T08:30:00+02:00")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(offsets: [60], timeZone: "Europe/Berlin", quietHours: night),
            now: F.at("2025-03-28T12:00:00Z")
        ))
        #expect(plan.jobs.last?.dueAt == F.at("2025-03-29T19:59:00Z"))
    }

    @Test func fallBackNightInBerlinIsAnHourLonger() {
        // 2025-10-26: clocks go from 03:00 CEST (+02) back to 02:00 CET (+01).
        let start = F.at("2025-10-26T08:30:00+01:00")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(offsets: [60], timeZone: "Europe/Berlin", quietHours: night),
            now: F.at("2025-10-24T12:00:00Z")
        ))
        #expect(plan.jobs.last?.dueAt == F.at("2025-10-25T20:59:00+02:00"))
        #expect(plan.jobs.last?.dueAt == F.at("2025-10-25T18:59:00Z"))
    }

    @Test func aQuietPeriodStartingAtATimeTheClockSkipsBeginsWhenTheClockJumps() {
        // 02:30–06:00 on the spring-forward night: 02:30 never happens, so quiet hours
        // begin at the jump (03:00 CEST = 01:00Z) and the reminder goes at 01:59 CET.
        let quiet = QuietHours(startMinute: 2 * 60 + 30, endMinute: 6 * 60)
        let start = F.at("2025-03-30T04:30:00+02:00")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(offsets: [60], timeZone: "Europe/Berlin", quietHours: quiet),
            now: F.at("2025-03-28T12:00:00Z")
        ))
        #expect(plan.jobs.last?.dueAt == F.at("2025-03-30T00:59:00Z"))
    }

    @Test func aReminderMovedIntoThePastIsSkippedAndSaysItWasMoved() {
        // Booked at 23:00 for 08:30: the 07:30 reminder would move to 20:59, already past.
        let now = F.at("2025-06-11T23:00:00-04:00")
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: F.at("2025-06-12T08:30:00-04:00")),
            settings: F.settings(offsets: [60], timeZone: "America/New_York", quietHours: night), now: now
        ))
        #expect(plan.jobs.map(\.kind) == [.confirmation])
        #expect(plan.skippedSummaries == [JobSummary(.reminder, "email", 60, F.at("2025-06-11T20:59:00-04:00"))])
        #expect(plan.skipped.map(\.lastError) == [
            "booking made 570 min before the start; the 60-min reminder was due 121 min ago (moved out of quiet hours)",
        ])
        #expect(plan.logEntries.map(\.outcome) == [.skipped])
    }

    @Test func aFollowUpMovesEarlierWhenThatIsStillAfterTheAppointment() {
        let booking = F.booking(start: F.at("2025-06-12T19:30:00Z"), status: .completed)  // ends 20:30
        let plan = NotificationPlanner.plan(F.input(
            .completed, booking: booking,
            settings: F.settings(quietHours: night, followUp: true, followUpMinutes: 120), now: booking.endAt
        ))
        #expect(plan.summaries == [JobSummary(.followUp, "email", 0, F.at("2025-06-12T20:59:00Z"))])
        #expect(plan.jobs.first?.notAfter == F.at("2025-06-19T20:59:00Z"))
    }

    @Test func aFollowUpWaitsForTheMorningRatherThanArriveBeforeTheAppointmentEnds() {
        let booking = F.booking(start: F.at("2025-06-12T20:30:00Z"), status: .completed)  // ends 21:30
        let plan = NotificationPlanner.plan(F.input(
            .completed, booking: booking,
            settings: F.settings(quietHours: night, followUp: true, followUpMinutes: 60), now: booking.endAt
        ))
        #expect(plan.summaries == [JobSummary(.followUp, "email", 0, F.at("2025-06-13T08:00:00Z"))])
    }
}
