import Foundation
import Testing

@testable import HeraldCore

/// Opted-out customers at planning: their messages on that channel are planned
/// `skipped` ("recipient opted out"), with a log row, while the rest of the plan stands.
@Suite("planning: suppressed recipients")
struct SuppressionPlanningTests {
    typealias P = PlanningFixtures

    static func suppression(channel: String, recipient: String, scope: SuppressionScope = .all) -> Suppression {
        Suppression(
            tenantID: P.tenantID, channel: channel, recipient: recipient, scope: scope, reason: "replied STOP",
            source: .reply, createdAt: P.at("2025-01-01T00:00:00Z"))
    }

    @Test func anOptedOutPhoneGetsNoSMSButStillItsEmail() {
        let now = P.at("2025-03-01T09:00:00Z")
        let booking = P.booking(start: P.at("2025-03-10T15:00:00Z"))
        var input = P.input(.created, booking: booking, settings: P.settings(email: true, sms: true), now: now)
        input.suppressions = [Self.suppression(channel: "sms", recipient: "+4915112345678")]
        let plan = NotificationPlanner.plan(input)

        #expect(plan.jobs.allSatisfy { $0.channel == "email" }, "\(plan.jobs.map(\.channel))")
        #expect(plan.jobs.count == 3, "the confirmation and two reminders by e-mail")
        #expect(plan.skipped.count == 3 && plan.skipped.allSatisfy { $0.channel == "sms" && $0.status == .skipped })
        #expect(plan.skipped.allSatisfy { $0.lastError == "recipient opted out" })
        #expect(plan.logEntries.count == 3 && plan.logEntries.allSatisfy { $0.outcome == .skipped && $0.error == "recipient opted out" })
    }

    @Test func aFollowUpOnlyEntryStopsTheFollowUpAndAnEmailIsComparedInLowerCase() {
        let now = P.at("2025-03-10T17:00:00Z")
        let booking = P.booking(start: P.at("2025-03-10T15:00:00Z"), status: .completed, email: "Ann@Example.com")
        var input = P.input(.completed, booking: booking, settings: P.settings(followUp: true), now: now)
        input.suppressions = [Self.suppression(channel: "email", recipient: "ann@example.com", scope: .followUps)]
        let plan = NotificationPlanner.plan(input)
        #expect(plan.jobs.isEmpty, "\(plan.jobs)")
        #expect(plan.skipped.map(\.kind) == [.followUp])

        input.suppressions = []
        #expect(NotificationPlanner.plan(input).jobs.map(\.kind) == [.followUp], "without the entry the follow-up is planned")
    }
}
