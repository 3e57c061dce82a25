import Foundation
import Testing
@testable import HeraldCore

private typealias F = PlanningFixtures

@Suite("NotificationPlanner: what each booking change plans")
struct NotificationPlannerTests {
    let now = F.at("2025-06-10T09:00:00Z")
    let start = F.at("2025-06-12T10:00:00Z")

    @Test func confirmedCreatePlansAConfirmationAndEveryReminderPerChannel() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(email: true, sms: true, offsets: [60, 1440]), now: now
        ))

        #expect(plan.summaries == [
            JobSummary(.confirmation, "email", 0, now),
            JobSummary(.confirmation, "sms", 0, now),
            JobSummary(.reminder, "email", 1440, start.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "email", 60, start.addingTimeInterval(-F.minutes(60))),
            JobSummary(.reminder, "sms", 1440, start.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "sms", 60, start.addingTimeInterval(-F.minutes(60))),
        ])
        #expect(plan.jobs.map(\.recipient) == ["ann@example.com", "+4915112345678"] + ["ann@example.com", "ann@example.com", "+4915112345678", "+4915112345678"])
        for job in plan.jobs {
            #expect(job.id.hasPrefix("job_"))
            #expect(job.tenantID == "tn_a" && job.bookingID == "bk_1")
            #expect(job.status == .pending && job.attempt == 0 && job.lastError == nil)
            #expect(job.scheduleVersion == 1)
            #expect(job.eventID == "" && job.subscriptionID == nil)
            #expect(job.notAfter == start)
            #expect(job.createdAt == now && job.updatedAt == now)
        }
        #expect(Set(plan.jobs.map(\.id)).count == 6)
        #expect(plan.skipped.isEmpty && plan.logEntries.isEmpty)
        #expect(plan.cancelsPendingJobs == nil)
        #expect(plan.cancellationReason == "")
    }

    @Test func pendingCreateTellsHostsAndWebhooksButNotTheCustomer() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start, status: .pending),
            eventType: F.eventType(hostEmails: ["host@example.com"]),
            webhooks: [F.webhook("wh_1", url: "https://hooks.example.com/a")], now: now
        ))

        #expect(plan.summaries == [
            JobSummary(.hostNotification, "email", 0, now),
            JobSummary(.webhook, "webhook", 0, now),
        ])
        #expect(plan.jobs.map(\.recipient) == ["host@example.com", "https://hooks.example.com/a"])
        #expect(plan.jobs.map(\.eventID) == ["evt_1", "evt_1"])
        #expect(plan.jobs.map(\.subscriptionID) == [nil, "wh_1"])
        #expect(plan.jobs.map(\.notAfter) == [nil, nil])
        #expect(plan.skipped.isEmpty)
    }

    @Test func confirmingAPendingBookingPlansConfirmationAndReminders() {
        let pending = F.booking(start: start, status: .pending)
        let plan = NotificationPlanner.plan(F.input(
            .confirmed, booking: F.booking(start: start, status: .confirmed), previous: pending,
            eventType: F.eventType(hostEmails: ["host@example.com"]), now: now
        ))

        #expect(plan.summaries == [
            JobSummary(.confirmation, "email", 0, now),
            JobSummary(.reminder, "email", 1440, start.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "email", 60, start.addingTimeInterval(-F.minutes(60))),
        ], "no host note on confirm")
        #expect(plan.cancelsPendingJobs == nil)
    }

    @Test func remindersWhoseTimeHasPassedAreSkippedWithTheReasonAndLogged() {
        let soon = now.addingTimeInterval(F.minutes(30))
        let plan = NotificationPlanner.plan(F.input(.created, booking: F.booking(start: soon), now: now))

        #expect(plan.summaries == [JobSummary(.confirmation, "email", 0, now)])
        #expect(plan.skippedSummaries == [
            JobSummary(.reminder, "email", 1440, soon.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "email", 60, soon.addingTimeInterval(-F.minutes(60))),
        ])
        #expect(plan.skipped.map(\.status) == [.skipped, .skipped])
        #expect(plan.skipped.map(\.lastError) == [
            "booking made 30 min before the start; the 1440-min reminder was due 1410 min ago",
            "booking made 30 min before the start; the 60-min reminder was due 30 min ago",
        ])
        #expect(plan.logEntries.map(\.jobID) == plan.skipped.map(\.id))
        #expect(plan.logEntries.map(\.outcome) == [.skipped, .skipped])
        #expect(plan.logEntries.map(\.error) == plan.skipped.map(\.lastError))
        #expect(plan.logEntries.map(\.reminderOffsetMinutes) == [1440, 60])
        #expect(plan.logEntries.allSatisfy { $0.loggedAt == now && $0.attempts == 0 && $0.channel == "email" })
    }

    @Test func aReminderDueExactlyNowIsSkippedNotSent() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: now.addingTimeInterval(F.minutes(60))),
            settings: F.settings(offsets: [60]), now: now
        ))
        #expect(plan.jobs.map(\.kind) == [.confirmation])
        #expect(plan.skipped.map(\.lastError) == ["booking made 60 min before the start; the 60-min reminder was due just now"])
    }

    @Test func rescheduleCancelsStaleNoticesAndPlansForTheNewTime() {
        let old = F.booking(start: start, scheduleVersion: 1)
        let newStart = F.at("2025-06-13T15:00:00Z")
        let moved = F.booking(start: newStart, scheduleVersion: 2)
        let plan = NotificationPlanner.plan(F.input(
            .rescheduled, booking: moved, previous: old,
            eventType: F.eventType(hostEmails: ["host@example.com"]), now: now
        ))

        #expect(plan.cancelsPendingJobs == .kinds([.reminder, .confirmation, .reschedule]))
        #expect(plan.cancellationReason == "booking rescheduled")
        #expect(plan.summaries == [
            JobSummary(.reminder, "email", 1440, newStart.addingTimeInterval(-F.minutes(1440))),
            JobSummary(.reminder, "email", 60, newStart.addingTimeInterval(-F.minutes(60))),
            JobSummary(.reschedule, "email", 0, now),
            JobSummary(.hostNotification, "email", 0, now),
        ])
        #expect(plan.jobs.allSatisfy { $0.scheduleVersion == 2 })
        #expect(plan.jobs.filter { $0.kind != .hostNotification }.allSatisfy { $0.notAfter == newStart })
    }

    @Test func reschedulingAPendingBookingSendsTheNoticeButNoReminders() {
        let plan = NotificationPlanner.plan(F.input(
            .rescheduled, booking: F.booking(start: start, status: .pending, scheduleVersion: 2),
            previous: F.booking(start: now.addingTimeInterval(F.minutes(600)), status: .pending), now: now
        ))
        #expect(plan.summaries == [JobSummary(.reschedule, "email", 0, now)])
    }

    @Test func cancellationCancelsEverythingButWebhooksAndTellsEveryone() {
        let plan = NotificationPlanner.plan(F.input(
            .cancelled, booking: F.booking(start: start, status: .cancelled), previous: F.booking(start: start),
            settings: F.settings(email: true, whatsapp: true),
            eventType: F.eventType(hostEmails: ["host@example.com"]),
            webhooks: [F.webhook("wh_1", url: "https://hooks.example.com/a")], now: now
        ))

        #expect(plan.cancellationReason == "booking cancelled")
        let scope = try! #require(plan.cancelsPendingJobs)
        #expect(NotificationKind.allCases.filter(scope.includes) == [
            .confirmation, .reminder, .reschedule, .cancellation, .hostNotification, .followUp,
        ], "webhook deliveries of earlier events must survive")
        #expect(plan.summaries == [
            JobSummary(.cancellation, "email", 0, now),
            JobSummary(.cancellation, "whatsapp", 0, now),
            JobSummary(.hostNotification, "email", 0, now),
            JobSummary(.webhook, "webhook", 0, now),
        ])
        #expect(plan.jobs.prefix(2).allSatisfy { $0.notAfter == start })
    }

    @Test func completionCancelsRemindersAndPlansOneFollowUpOnTheFirstChannel() {
        let booking = F.booking(start: start, status: .completed)
        let plan = NotificationPlanner.plan(F.input(
            .completed, booking: booking, previous: F.booking(start: start),
            settings: F.settings(email: true, sms: true, whatsapp: true, followUp: true, followUpMinutes: 90),
            now: booking.endAt
        ))

        #expect(plan.cancelsPendingJobs == .kinds([.reminder]))
        #expect(plan.cancellationReason == "booking completed")
        let due = booking.endAt.addingTimeInterval(F.minutes(90))
        #expect(plan.summaries == [JobSummary(.followUp, "email", 0, due)])
        #expect(plan.jobs.first?.notAfter == due.addingTimeInterval(7 * 24 * 3600))
        #expect(plan.jobs.first?.recipient == "ann@example.com")
    }

    @Test func followUpFallsBackToSMSWithoutAnEmailAddress() {
        let booking = F.booking(start: start, status: .completed, email: nil)
        let plan = NotificationPlanner.plan(F.input(
            .completed, booking: booking,
            settings: F.settings(email: true, sms: true, whatsapp: true, followUp: true), now: booking.endAt
        ))
        #expect(plan.jobs.map(\.channel) == ["sms"])
    }

    @Test func followUpsAreOffUnlessTheTenantWantsThem() {
        let booking = F.booking(start: start, status: .completed)
        let plan = NotificationPlanner.plan(F.input(.completed, booking: booking, now: booking.endAt))
        #expect(plan.jobs.isEmpty)
        #expect(plan.cancelsPendingJobs == .kinds([.reminder]))
    }

    @Test func aCompletionRecordedDaysLaterSkipsTheFollowUp() {
        let booking = F.booking(start: start, status: .completed)
        let plan = NotificationPlanner.plan(F.input(
            .completed, booking: booking, settings: F.settings(followUp: true, followUpMinutes: 120),
            now: booking.endAt.addingTimeInterval(F.minutes(3 * 24 * 60))
        ))
        #expect(plan.jobs.isEmpty)
        #expect(plan.skipped.map(\.lastError) == [
            "booking marked completed 4320 min after its end; the follow-up was due 4200 min ago",
        ])
        #expect(plan.logEntries.count == 1)
    }

    @Test func noShowCancelsRemindersAndSendsNoFollowUp() {
        let booking = F.booking(start: start, status: .noShow)
        let plan = NotificationPlanner.plan(F.input(
            .noShow, booking: booking, previous: F.booking(start: start),
            settings: F.settings(followUp: true), eventType: F.eventType(hostEmails: ["host@example.com"]),
            now: booking.endAt
        ))
        #expect(plan.jobs.isEmpty && plan.skipped.isEmpty)
        #expect(plan.cancelsPendingJobs == .kinds([.reminder]))
        #expect(plan.cancellationReason == "booking marked no-show")
    }

    @Test(arguments: [
        (SMSProvider.twilio, true, "twilio", "vonage" as String?),
        (SMSProvider.vonage, true, "vonage", "twilio"),
        (SMSProvider.vonage, false, "vonage", nil),
    ])
    func smsJobsCarryTheProviderAndTheFailoverProvider(
        preferred: SMSProvider, failover: Bool, provider: String, fallback: String?
    ) {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(email: true, sms: true, whatsapp: true, offsets: [60], smsProvider: preferred, smsFailover: failover),
            now: now
        ))
        let sms = plan.jobs.filter { $0.channel == "sms" }
        #expect(sms.count == 2)
        #expect(sms.allSatisfy { $0.provider == provider && $0.fallbackProvider == fallback })
        let others = plan.jobs.filter { $0.channel != "sms" }
        #expect(others.count == 4)
        #expect(others.allSatisfy { $0.provider == nil && $0.fallbackProvider == nil })
    }

    @Test func eventTypeOverridesOffsetsNoticesAndAddsHosts() {
        let eventType = F.eventType(
            offsets: [120], hostEmails: ["a@studio.example", "b@studio.example", "A@studio.example"],
            confirmation: false, rescheduleNotice: false, cancellationNotice: false
        )
        let created = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start), settings: F.settings(offsets: [1440, 60]),
            eventType: eventType, now: now
        ))
        #expect(created.summaries == [
            JobSummary(.reminder, "email", 120, start.addingTimeInterval(-F.minutes(120))),
            JobSummary(.hostNotification, "email", 0, now),
            JobSummary(.hostNotification, "email", 0, now),
        ])
        #expect(created.jobs.filter { $0.kind == .hostNotification }.map(\.recipient) == ["a@studio.example", "b@studio.example"])

        let rescheduled = NotificationPlanner.plan(F.input(
            .rescheduled, booking: F.booking(start: start, scheduleVersion: 2), previous: F.booking(start: now),
            eventType: eventType, now: now
        ))
        #expect(!rescheduled.jobs.contains { $0.kind == .reschedule })

        let cancelled = NotificationPlanner.plan(F.input(
            .cancelled, booking: F.booking(start: start, status: .cancelled), eventType: eventType, now: now
        ))
        #expect(cancelled.jobs.map(\.kind) == [.hostNotification, .hostNotification])
    }

    @Test func webhooksGoToEnabledSubscriptionsOfTheTenantThatWantTheEvent() {
        let webhooks = [
            F.webhook("wh_z", url: "https://z.example/all"),
            F.webhook("wh_c", url: "https://c.example/cancel-only", eventTypes: ["booking.cancelled"]),
            F.webhook("wh_b", url: "https://b.example/created", eventTypes: ["booking.created", "booking.cancelled"]),
            F.webhook("wh_off", url: "https://off.example/", enabled: false),
            F.webhook("wh_other", url: "https://other.example/", tenantID: "tn_b"),
        ]
        let booking = F.booking(start: start)
        let created = NotificationPlanner.plan(F.input(
            .created, booking: booking, settings: F.settings(email: false), webhooks: webhooks, now: now
        ))
        #expect(created.jobs.map(\.subscriptionID) == ["wh_b", "wh_z"], "ordered by URL, whatever the input order")
        #expect(created.jobs.allSatisfy { $0.kind == .webhook && $0.channel == "webhook" && $0.eventID == "evt_1" && $0.dueAt == now })
        #expect(created.jobs.map(\.recipient) == ["https://b.example/created", "https://z.example/all"])

        let reversed = NotificationPlanner.plan(F.input(
            .created, booking: booking, settings: F.settings(email: false), webhooks: webhooks.reversed(), now: now
        ))
        #expect(reversed.jobs.map(\.subscriptionID) == ["wh_b", "wh_z"])

        let completed = NotificationPlanner.plan(F.input(
            .completed, booking: F.booking(start: start, status: .completed), settings: F.settings(email: false),
            webhooks: webhooks, now: now
        ))
        #expect(completed.jobs.map(\.subscriptionID) == ["wh_z"])
    }

    @Test func channelsWithoutARecipientAreLeftOut() {
        let settings = F.settings(email: true, sms: true, whatsapp: true, offsets: [60])
        let noPhone = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start, phone: nil), settings: settings, now: now
        ))
        #expect(Set(noPhone.jobs.map(\.channel)) == ["email"])

        let blankEmail = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start, email: "  "), settings: settings, now: now
        ))
        #expect(Set(blankEmail.jobs.map(\.channel)) == ["sms", "whatsapp"])

        let nothing = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start, email: nil, phone: nil), settings: settings, now: now
        ))
        #expect(nothing.jobs.isEmpty && nothing.skipped.isEmpty)
    }

    @Test func disabledChannelsAreLeftOutEvenWithARecipient() {
        let plan = NotificationPlanner.plan(F.input(
            .created, booking: F.booking(start: start),
            settings: F.settings(email: false, sms: false, whatsapp: true, offsets: [60]), now: now
        ))
        #expect(plan.jobs.map(\.channel) == ["whatsapp", "whatsapp"])
        #expect(plan.jobs.map(\.recipient) == ["+4915112345678", "+4915112345678"])
    }
}
