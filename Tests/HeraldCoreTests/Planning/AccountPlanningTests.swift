import Foundation
import Testing
@testable import HeraldCore

private typealias F = PlanningFixtures

/// Which provider account each planned job names: the event type's, else the tenant's,
/// else the default (""); webhooks always the default.
@Suite("NotificationPlanner: provider accounts")
struct AccountPlanningTests {
    let now = F.at("2025-06-10T09:00:00Z")
    let start = F.at("2025-06-12T10:00:00Z")

    @Test func jobsNameTheEventTypesAccountElseTheTenants() {
        var settings = F.settings(email: true, sms: true, offsets: [60])
        settings.smsAccount = "salon"
        settings.emailAccount = "salon-mail"
        var eventType = F.eventType(hostEmails: ["desk@example.com"])
        eventType.smsAccount = "clinic"
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start), settings: settings, eventType: eventType,
            webhooks: [F.webhook("wh_1", url: "https://hooks.example.com/a")],
            teamDestinations: [F.team("team_1", channel: "sms", to: "+4915100000000", eventTypes: [.created])], now: now))
        let accounts = plan.jobs.map { "\($0.kind.rawValue)/\($0.channel): \($0.account)" }
        #expect(accounts == [
            "confirmation/email: salon-mail", "confirmation/sms: clinic", "reminder/email: salon-mail", "reminder/sms: clinic",
            "host_notification/email: salon-mail", "host_notification/sms: clinic", "webhook/webhook: ",
        ])

        eventType.smsAccount = "default"
        let byDefault = NotificationPlanner.plan(F.input(.created, booking: F.booking(start: start), settings: settings, eventType: eventType, now: now))
        #expect(byDefault.jobs.filter { $0.channel == "sms" }.allSatisfy { $0.account == "" })
        let noEventType = NotificationPlanner.plan(F.input(.created, booking: F.booking(start: start), settings: settings, now: now))
        #expect(noEventType.jobs.filter { $0.channel == "sms" }.allSatisfy { $0.account == "salon" })
    }
}
