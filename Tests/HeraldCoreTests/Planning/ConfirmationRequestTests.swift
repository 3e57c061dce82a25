import Foundation
import Testing
@testable import HeraldCore

private typealias F = PlanningFixtures

/// Asking customers to confirm: who is asked, what is planned while they are asked
/// and once they confirm, and what happens at the deadline.
@Suite("Ask for confirmation: planning and deadlines")
struct ConfirmationRequestTests {
    let now = F.at("2025-06-10T09:00:00Z")
    let start = F.at("2025-06-12T10:00:00Z")

    func asking(deadline: Int = 0, cancel: Bool = false) -> NotificationSettings {
        var settings = F.settings(email: true, sms: true, offsets: [1440, 60])
        settings.askConfirmation = true
        settings.confirmDeadlineMinutes = deadline
        settings.cancelUnconfirmed = cancel
        return settings
    }

    func asked(_ booking: Booking, confirmBy: Date? = nil) -> Booking {
        var asked = booking
        asked.askedToConfirm = true
        asked.confirmBy = confirmBy
        return asked
    }

    @Test func theEventTypesChoiceComesBeforeTheTenants() {
        var eventType = F.eventType()
        #expect(ConfirmationRequest.asks(settings: asking(), eventType: nil))
        #expect(ConfirmationRequest.asks(settings: asking(), eventType: eventType))
        eventType.askConfirmation = false
        #expect(!ConfirmationRequest.asks(settings: asking(), eventType: eventType))
        eventType.askConfirmation = true
        #expect(ConfirmationRequest.asks(settings: F.settings(), eventType: eventType))
    }

    @Test func aNewBookingStartsPendingOnlyWhenAskedAndTheAppDoesNotSay() {
        #expect(ConfirmationRequest.initialStatus(requested: nil, asks: true) == .pending)
        #expect(ConfirmationRequest.initialStatus(requested: nil, asks: false) == .confirmed)
        #expect(ConfirmationRequest.initialStatus(requested: .confirmed, asks: true) == .confirmed)
        #expect(ConfirmationRequest.initialStatus(requested: .pending, asks: false) == .pending)
    }

    @Test func aPendingBookingIsStampedWithItsDeadlineUnlessItHasPassed() {
        let settings = asking(deadline: 24 * 60)
        let pending = ConfirmationRequest.stamped(
            F.booking(start: start, status: .pending), change: .created, settings: settings, eventType: nil, now: now)
        #expect(pending.askedToConfirm)
        #expect(pending.confirmBy == start.addingTimeInterval(-F.minutes(24 * 60)))

        // Made 20 hours before: its 24-hour deadline is behind it, so it has none.
        let late = ConfirmationRequest.stamped(
            F.booking(start: start, status: .pending), change: .created, settings: settings, eventType: nil,
            now: start.addingTimeInterval(-F.minutes(20 * 60)))
        #expect(late.askedToConfirm && late.confirmBy == nil)

        // A confirmed booking is not asked; a pending one of a tenant that does not ask neither.
        let confirmed = ConfirmationRequest.stamped(
            F.booking(start: start), change: .created, settings: settings, eventType: nil, now: now)
        #expect(!confirmed.askedToConfirm && confirmed.confirmBy == nil)
        let notAsked = ConfirmationRequest.stamped(
            F.booking(start: start, status: .pending), change: .created, settings: F.settings(), eventType: nil, now: now)
        #expect(!notAsked.askedToConfirm && notAsked.confirmBy == nil)
    }

    @Test func movingRecomputesTheDeadlineAndEveryOtherChangeClearsIt() {
        let settings = asking(deadline: 60)
        let booking = asked(F.booking(start: start, status: .pending), confirmBy: start.addingTimeInterval(-3600))
        var moved = booking
        moved.startAt = start.addingTimeInterval(86_400)
        let stamped = ConfirmationRequest.stamped(moved, change: .rescheduled, settings: settings, eventType: nil, now: now)
        #expect(stamped.confirmBy == moved.startAt.addingTimeInterval(-3600))
        for change in [BookingEventType.confirmed, .cancelled, .completed, .noShow, .unconfirmed] {
            #expect(ConfirmationRequest.stamped(booking, change: change, settings: settings, eventType: nil, now: now).confirmBy == nil)
        }
        // Stamping never turns a booking into an asked one after it was made.
        var plain = F.booking(start: start, status: .pending)
        plain.startAt = start.addingTimeInterval(60)
        #expect(!ConfirmationRequest.stamped(plain, change: .rescheduled, settings: settings, eventType: nil, now: now).askedToConfirm)
    }

    @Test func anAskedPendingBookingGetsItsRequestAndRemindersAtOnce() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: asked(F.booking(start: start, status: .pending)), settings: asking(), now: now))
        #expect(plan.summaries == [
            JobSummary(.confirmation, "email", 0, now),
            JobSummary(.confirmation, "sms", 0, now),
            JobSummary(.reminder, "email", 1440, start.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "email", 60, start.addingTimeInterval(-F.minutes(60))),
            JobSummary(.reminder, "sms", 1440, start.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "sms", 60, start.addingTimeInterval(-F.minutes(60))),
        ])
        #expect(plan.jobs.allSatisfy { $0.eventID == "" })
    }

    @Test func confirmingAnAskedBookingAcknowledgesWithoutPlanningRemindersAgain() {
        let previous = asked(F.booking(start: start, status: .pending))
        var confirmed = previous
        confirmed.status = .confirmed
        let plan = NotificationPlanner.plan(F.input(
            .confirmed, booking: confirmed, previous: previous, settings: asking(), now: now))
        #expect(plan.summaries == [
            JobSummary(.confirmation, "email", 0, now),
            JobSummary(.confirmation, "sms", 0, now),
        ])
        // Its own notification beside the request: the event's id is part of its key.
        #expect(plan.jobs.map(\.eventID) == ["evt_1", "evt_1"])
        // A request not yet sent would repeat it.
        #expect(plan.cancelsPendingJobs == .kinds([.confirmation]))
        #expect(plan.cancellationReason == "booking confirmed")
    }

    @Test func confirmingABookingThatWasNotAskedPlansEverythingAsBefore() {
        let previous = F.booking(start: start, status: .pending)
        let plan = NotificationPlanner.plan(F.input(
            .confirmed, booking: F.booking(start: start), previous: previous, settings: asking(), now: now))
        #expect(plan.summaries.filter { $0.kind == .reminder }.count == 4)
        #expect(plan.jobs.allSatisfy { $0.eventID == "" })
        #expect(plan.cancelsPendingJobs == nil)
    }

    @Test func movingAnAskedPendingBookingPlansItsRemindersForTheNewTime() {
        let later = start.addingTimeInterval(86_400)
        var moved = asked(F.booking(start: later, status: .pending, scheduleVersion: 2))
        moved.confirmBy = nil
        let plan = NotificationPlanner.plan(F.input(
            .rescheduled, booking: moved, previous: asked(F.booking(start: start, status: .pending)), settings: asking(), now: now))
        #expect(plan.summaries.filter { $0.kind == .reminder }.map(\.dueAt).sorted()
            == [later.addingTimeInterval(-F.minutes(1440)), later.addingTimeInterval(-F.minutes(1440)),
                later.addingTimeInterval(-F.minutes(60)), later.addingTimeInterval(-F.minutes(60))])
        #expect(plan.summaries.filter { $0.kind == .reschedule }.count == 2)
    }

    @Test func theDeadlineEventTellsHostsTeamAndWebhooksButNotTheCustomer() {
        let booking = asked(F.booking(start: start, status: .pending))
        let plan = NotificationPlanner.plan(F.input(
            .unconfirmed, booking: booking, previous: booking, settings: asking(deadline: 60),
            eventType: F.eventType(hostEmails: ["desk@example.com"]),
            webhooks: [F.webhook("wh_1", url: "https://hooks.example.com/a", eventTypes: ["booking.unconfirmed"]),
                       F.webhook("wh_2", url: "https://hooks.example.com/b", eventTypes: ["booking.created"])],
            teamDestinations: [F.team("team_1", eventTypes: [.unconfirmed]), F.team("team_2", eventTypes: [.created])],
            now: now))
        #expect(plan.summaries == [
            JobSummary(.hostNotification, "email", 0, now),
            JobSummary(.hostNotification, "chat", 0, now),
            JobSummary(.webhook, "webhook", 0, now),
        ])
        #expect(plan.jobs.map(\.recipient) == ["desk@example.com", "https://chat.example/hooks/abc", "https://hooks.example.com/a"])
        #expect(plan.cancelsPendingJobs == nil)
    }

    @Test func atTheDeadlineAStillPendingBookingIsReportedOrCancelled() {
        let deadline = start.addingTimeInterval(-3600)
        let booking = asked(F.booking(start: start, status: .pending), confirmBy: deadline)
        #expect(ConfirmationRequest.overdue(booking, settings: asking(deadline: 60), now: deadline.addingTimeInterval(-1)) == .nothing)
        #expect(ConfirmationRequest.overdue(booking, settings: asking(deadline: 60), now: deadline) == .tellTheTeam)
        #expect(ConfirmationRequest.overdue(booking, settings: asking(deadline: 60, cancel: true), now: deadline) == .cancel)
        var confirmed = booking
        confirmed.status = .confirmed
        #expect(ConfirmationRequest.overdue(confirmed, settings: asking(deadline: 60, cancel: true), now: deadline) == .nothing)
    }
}
