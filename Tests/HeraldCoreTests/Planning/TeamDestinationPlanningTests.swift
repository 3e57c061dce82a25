import Foundation
import Testing
@testable import HeraldCore

private typealias F = PlanningFixtures

/// Team destinations: a host note per booking event each one wants, on its own channel.
@Suite("NotificationPlanner: team destinations")
struct TeamDestinationPlanningTests {
    let now = F.at("2025-06-10T09:00:00Z")
    let start = F.at("2025-06-12T10:00:00Z")

    func hostNotes(_ plan: NotificationPlan) -> [NotificationJob] {
        plan.jobs.filter { $0.kind == .hostNotification }
    }

    @Test func eachEnabledDestinationGetsAHostNoteOnItsChannelAtOnce() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            eventType: F.eventType(hostEmails: ["host@example.com"]),
            teamDestinations: [
                F.team("team_chat"),
                F.team("team_ops", channel: "ops-pager", to: "room:front-desk"),
                F.team("team_off", channel: "chat", to: "https://chat.example/hooks/off", enabled: false),
                F.team("team_other", to: "https://chat.example/hooks/other", tenantID: "tn_b"),
            ],
            now: now
        ))

        let notes = hostNotes(plan)
        #expect(notes.map(\.channel) == ["email", "chat", "ops-pager"], "built-in channels first, then by name")
        #expect(notes.map(\.recipient) == ["host@example.com", "https://chat.example/hooks/abc", "room:front-desk"])
        #expect(notes.map(\.teamDestinationID) == [nil, "team_chat", "team_ops"])
        for note in notes {
            #expect(note.dueAt == now && note.notAfter == nil)
            #expect(note.eventID == "evt_1", "one note per change, not a repeat of the last")
            #expect(note.provider == nil && note.subscriptionID == nil)
        }
    }

    @Test func theEventsFilterPicksWhichChangesADestinationHearsOf() {
        let team = [
            F.team("team_default"),
            F.team("team_cancel", to: "https://chat.example/hooks/cancel", eventTypes: [.cancelled]),
            F.team("team_done", to: "https://chat.example/hooks/done", eventTypes: [.completed, .noShow]),
        ]
        func destinations(_ change: BookingEventType, _ status: BookingStatus) -> [String?] {
            hostNotes(NotificationPlanner.plan(F.input(
                change, booking: F.booking(start: start, status: status), previous: F.booking(start: start),
                teamDestinations: team, now: now
            ))).map(\.teamDestinationID)
        }

        #expect(destinations(.created, .confirmed) == ["team_default"])
        #expect(destinations(.confirmed, .confirmed) == [])
        #expect(destinations(.rescheduled, .confirmed) == ["team_default"])
        #expect(destinations(.cancelled, .cancelled) == ["team_default", "team_cancel"])
        #expect(destinations(.completed, .completed) == ["team_done"])
        #expect(destinations(.noShow, .noShow) == ["team_done"])
    }

    /// A cancellation replaces any note not yet sent (the cancel scope includes host
    /// notes) with a note of the cancellation, which the send-time check lets through
    /// although the booking is cancelled.
    @Test func aCancelledBookingTellsTheTeamAndTheNoteIsSentAlthoughCancelled() throws {
        let cancelled = F.booking(start: start, status: .cancelled)
        let plan = NotificationPlanner.plan(F.input(
            .cancelled, booking: cancelled, previous: F.booking(start: start),
            teamDestinations: [F.team("team_chat")], now: now
        ))

        #expect(plan.cancelsPendingJobs?.includes(.hostNotification) == true)
        let note = try #require(hostNotes(plan).first)
        #expect(hostNotes(plan).count == 1)
        #expect(note.channel == "chat" && note.teamDestinationID == "team_chat")

        let check = SendTimeCheck(lateGrace: 900)
        let candidate = LeaseCandidate(job: note, booking: cancelled, teamDestination: F.team("team_chat"))
        #expect(check.decide(candidate, now: now) == .lease)
    }

    @Test func aRemovedOrDisabledDestinationsNotesAreCancelledAtSendTime() {
        let note = hostNotes(NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start), teamDestinations: [F.team("team_chat")], now: now
        )))[0]
        let check = SendTimeCheck(lateGrace: 900)

        let removed = LeaseCandidate(job: note, booking: F.booking(start: start), teamDestination: nil)
        #expect(check.decide(removed, now: now) == .cancel(reason: "team destination team_chat was removed"))
        var off = F.team("team_chat", enabled: false)
        off.disabledReason = "disabled by an admin"
        let disabled = LeaseCandidate(job: note, booking: F.booking(start: start), teamDestination: off)
        #expect(check.decide(disabled, now: now) == .cancel(reason: "team destination is disabled: disabled by an admin"))
    }

    @Test func anAddressThatIsBothAHostAndATeamDestinationIsToldOnce() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            eventType: F.eventType(hostEmails: ["Desk@Salon.example"]),
            teamDestinations: [F.team("team_mail", channel: "email", to: "desk@salon.example")],
            now: now
        ))
        #expect(hostNotes(plan).map(\.recipient) == ["Desk@Salon.example"])
    }

    /// Team notes are the tenant's own configuration: the customer-channel switches
    /// do not silence them, and a booking without any customer contact still has them.
    @Test func customerChannelSwitchesDoNotApply() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start, email: nil, phone: nil),
            settings: F.settings(email: false), teamDestinations: [F.team("team_chat")], now: now
        ))
        #expect(plan.summaries == [JobSummary(.hostNotification, "chat", 0, now)])
    }
}
