import Foundation
import Testing

@testable import HeraldCore

/// The fallback rule as a pure decision: what happens to a customer's SMS or
/// WhatsApp message decides whether (and when) it goes out once more.
@Suite("fallback before the appointment")
struct FallbackTests {
    static let booking = Fixture.booking(id: "b1", startingIn: 120) // starts two hours after "now"

    static func sentRow(channel: String = "sms", provider: String = "twilio", kind: NotificationKind = .reminder, eventID: String = "") -> ReminderLogEntry {
        ReminderLogEntry(
            id: 42, jobID: "job_1", tenantID: "acme", bookingID: "b1", channel: channel, provider: provider, kind: kind,
            reminderOffsetMinutes: 60, scheduleVersion: 1, recipient: "+441234567890", eventID: eventID, outcome: .sent,
            attempts: 1, providerMessageID: "SM1", loggedAt: Fixture.now)
    }

    static func settings(_ channel: FallbackChannel? = .email, after minutes: Int = 0) -> NotificationSettings {
        NotificationSettings(
            tenantID: "acme", smsEnabled: true, smsProvider: .twilio, fallbackChannel: channel,
            fallbackAfterMinutes: minutes, updatedAt: Fixture.now)
    }

    static func situation(
        _ original: ReminderLogEntry = sentRow(), settings: NotificationSettings = settings(), existing: NotificationJob? = nil,
        booking: Booking = booking, eventType: EventType? = nil, alreadyOnFallbackChannel: Bool = false
    ) -> Fallback.Situation {
        Fallback.Situation(
            original: original, booking: booking, settings: settings, eventType: eventType, existing: existing,
            alreadyOnFallbackChannel: alreadyOnFallbackChannel)
    }

    static func eventType(_ fallback: FallbackOverride?) -> EventType {
        EventType(tenantID: "acme", id: "cut", name: "Haircut", fallback: fallback, createdAt: Fixture.now, updatedAt: Fixture.now)
    }

    static func inserted(_ action: Fallback.Action) -> NotificationJob? {
        if case .insert(let job) = action { job } else { nil }
    }

    @Test func anUndeliveredSMSGoesOutByEmailAtOnceAsItsOwnNotification() throws {
        let action = Fallback.decide(.undelivered(code: "30003", error: "Unreachable destination handset"), Self.situation(), now: Fixture.minutes(1))
        let job = try #require(Self.inserted(action), "\(action)")
        #expect(job.channel == "email" && job.recipient == "ada@example.com" && job.provider == nil)
        #expect(job.kind == .reminder && job.reminderOffsetMinutes == 60 && job.scheduleVersion == 1)
        #expect(job.eventID == "fb_42", "its own notification, tied to the row it stands in for")
        #expect(job.dueAt == Fixture.minutes(1))
        #expect(job.notAfter == Self.booking.startAt, "never after the appointment starts")
        #expect(job.status == .pending && job.attempt == 0)
        #expect(job.lastError == "fallback: the SMS (twilio) was reported undelivered (30003 Unreachable destination handset)")
    }

    /// An event type's own rule comes before the tenant's: its own channel and wait,
    /// off for none, and the tenant's when it has none.
    @Test func anEventTypesRuleComesBeforeTheTenants() throws {
        let undelivered = Fallback.Trigger.undelivered(code: "30003", error: nil)
        let own = Self.eventType(.rule(FallbackRule(channel: .sms, afterMinutes: 30)))
        let bySMS = try #require(Self.inserted(Fallback.decide(undelivered, Self.situation(eventType: own), now: Fixture.now)))
        #expect(bySMS.channel == "sms" && bySMS.provider == "vonage", "the other SMS provider: \(bySMS)")
        let timer = try #require(Self.inserted(Fallback.decide(.sent, Self.situation(settings: Self.settings(nil), eventType: own), now: Fixture.now)))
        #expect(timer.dueAt == Fixture.minutes(30) && timer.channel == "sms")

        #expect(Fallback.decide(undelivered, Self.situation(eventType: Self.eventType(.off)), now: Fixture.now) == .none)
        let tenants = try #require(Self.inserted(Fallback.decide(undelivered, Self.situation(eventType: Self.eventType(nil)), now: Fixture.now)))
        #expect(tenants.channel == "email")
        #expect(Fallback.decide(undelivered, Self.situation(settings: Self.settings(nil), eventType: Self.eventType(nil)), now: Fixture.now) == .none)
    }

    @Test func aFailedSMSFallsBackToo() throws {
        var failed = Self.sentRow()
        failed.outcome = .failed
        let job = try #require(Self.inserted(Fallback.decide(.failed(error: "21211: invalid 'To'"), Self.situation(failed), now: Fixture.now)))
        #expect(job.lastError == "fallback: the SMS (twilio) failed: 21211: invalid 'To'")
    }

    @Test func withAWaitASentMessageStartsATimerThatDeliveryCancels() throws {
        let situation = Self.situation(settings: Self.settings(after: 30))
        let timer = try #require(Self.inserted(Fallback.decide(.sent, situation, now: Fixture.now)))
        #expect(timer.dueAt == Fixture.minutes(30))
        #expect(timer.lastError?.hasPrefix("fallback if the SMS (twilio) is not reported delivered by") == true)

        let delivered = Fallback.decide(.delivered, Self.situation(settings: Self.settings(after: 30), existing: timer), now: Fixture.minutes(2))
        #expect(delivered == .cancel(jobID: timer.id, reason: "not needed: the SMS (twilio) was delivered"))
        let undelivered = Fallback.decide(
            .undelivered(code: nil, error: nil), Self.situation(settings: Self.settings(after: 30), existing: timer), now: Fixture.minutes(2))
        #expect(undelivered == .sendNow(jobID: timer.id, reason: "fallback: the SMS (twilio) was reported undelivered"))
    }

    @Test func withoutAWaitASentMessageMakesNothing() {
        #expect(Fallback.decide(.sent, Self.situation(), now: Fixture.now) == .none)
        #expect(Fallback.decide(.delivered, Self.situation(), now: Fixture.now) == .none)
    }

    @Test func atMostOncePerMessage() {
        var sent = Self.inserted(Fallback.decide(.undelivered(code: nil, error: nil), Self.situation(), now: Fixture.now))!
        sent.status = .sent
        for trigger: Fallback.Trigger in [.undelivered(code: nil, error: nil), .failed(error: "x"), .sent, .delivered] {
            #expect(Fallback.decide(trigger, Self.situation(existing: sent), now: Fixture.minutes(1)) == .none, "\(trigger)")
        }
    }

    @Test func notOnceTheAppointmentHasStarted() {
        #expect(Fallback.decide(.undelivered(code: nil, error: nil), Self.situation(), now: Self.booking.startAt) == .none)
        // A wait that would end after the start is not started either.
        #expect(Fallback.decide(.sent, Self.situation(settings: Self.settings(after: 180)), now: Fixture.now) == .none)
    }

    @Test func onlyCustomerSMSAndWhatsAppMessagesThatAreNotFallbacksThemselves() {
        let undelivered = Fallback.Trigger.undelivered(code: nil, error: nil)
        #expect(Fallback.decide(undelivered, Self.situation(Self.sentRow(channel: "email", provider: "smtp")), now: Fixture.now) == .none)
        #expect(Fallback.decide(undelivered, Self.situation(Self.sentRow(kind: .hostNotification)), now: Fixture.now) == .none)
        #expect(Fallback.decide(undelivered, Self.situation(Self.sentRow(eventID: "fb_7")), now: Fixture.now) == .none)
        #expect(Fallback.decide(undelivered, Self.situation(settings: Self.settings(nil)), now: Fixture.now) == .none)
        #expect(Self.inserted(Fallback.decide(undelivered, Self.situation(Self.sentRow(channel: "whatsapp", provider: "whatsapp-cloud")), now: Fixture.now)) != nil)
    }

    @Test func noFallbackWhenTheCustomerGetsItThatWayAnywayOrCannotBeReached() {
        let undelivered = Fallback.Trigger.undelivered(code: nil, error: nil)
        #expect(Fallback.decide(undelivered, Self.situation(alreadyOnFallbackChannel: true), now: Fixture.now) == .none)
        #expect(Fallback.decide(
            undelivered, Self.situation(Self.sentRow(channel: "whatsapp", provider: "whatsapp-cloud"), settings: Self.settings(.sms),
                                        alreadyOnFallbackChannel: true), now: Fixture.now) == .none)
        #expect(Fallback.decide(undelivered, Self.situation(Self.sentRow(kind: .followUp)), now: Fixture.now) == .none)
        var noEmail = Self.booking
        noEmail.customerEmail = nil
        #expect(Fallback.decide(undelivered, Self.situation(booking: noEmail), now: Fixture.now) == .none)
    }

    @Test func anSMSFallbackGoesThroughTheOtherProvider() throws {
        let undelivered = Fallback.Trigger.undelivered(code: nil, error: nil)
        let fromTwilio = try #require(Self.inserted(Fallback.decide(undelivered, Self.situation(settings: Self.settings(.sms)), now: Fixture.now)))
        #expect(fromTwilio.channel == "sms" && fromTwilio.provider == "vonage" && fromTwilio.recipient == "+441234567890")
        let fromVonage = try #require(Self.inserted(Fallback.decide(
            undelivered, Self.situation(Self.sentRow(provider: "vonage"), settings: Self.settings(.sms)), now: Fixture.now)))
        #expect(fromVonage.provider == "twilio")
        // A WhatsApp message falls back to an SMS through the tenant's provider.
        let fromWhatsApp = try #require(Self.inserted(Fallback.decide(
            undelivered, Self.situation(Self.sentRow(channel: "whatsapp", provider: "whatsapp-cloud"), settings: Self.settings(.sms)),
            now: Fixture.now)))
        #expect(fromWhatsApp.channel == "sms" && fromWhatsApp.provider == "twilio")
    }
}
