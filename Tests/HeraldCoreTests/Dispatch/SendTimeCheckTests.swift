import Foundation
import Testing

@testable import HeraldCore

@Suite("send-time check")
struct SendTimeCheckTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let check = SendTimeCheck(lateGrace: 15 * 60)

    func booking(status: BookingStatus = .confirmed, version: Int = 1, startsIn minutes: Double = 120) -> Booking {
        Booking(
            id: "b1", tenantID: "t", customerName: "Ada", customerEmail: "ada@example.com",
            startAt: now.addingTimeInterval(minutes * 60), endAt: now.addingTimeInterval(minutes * 60 + 3600),
            status: status, scheduleVersion: version, createdAt: now, updatedAt: now)
    }

    func job(_ kind: NotificationKind, version: Int = 1, dueMinutesAgo: Double = 0, notAfter: Date? = nil) -> NotificationJob {
        NotificationJob(
            id: "job_1", tenantID: "t", bookingID: "b1", kind: kind, channel: "email", recipient: "ada@example.com",
            scheduleVersion: version, dueAt: now.addingTimeInterval(-dueMinutesAgo * 60), notAfter: notAfter,
            createdAt: now, updatedAt: now)
    }

    @Test func aCurrentReminderIsLeased() {
        let candidate = LeaseCandidate(job: job(.reminder), booking: booking(), subscription: nil, event: nil)
        #expect(check.decide(candidate, now: now) == .lease)
    }

    @Test func aReminderForAnOldTimeIsCancelled() {
        let candidate = LeaseCandidate(job: job(.reminder, version: 1), booking: booking(version: 2), subscription: nil, event: nil)
        guard case .cancel(let reason) = check.decide(candidate, now: now) else {
            Issue.record("a stale reminder was not cancelled")
            return
        }
        #expect(reason.contains("rescheduled"))
    }

    @Test(arguments: [BookingStatus.cancelled, .completed, .noShow])
    func aReminderForABookingNoLongerActiveIsCancelled(_ status: BookingStatus) {
        let candidate = LeaseCandidate(job: job(.reminder), booking: booking(status: status), subscription: nil, event: nil)
        #expect(check.decide(candidate, now: now) == .cancel(reason: "booking is \(status.rawValue)"))
    }

    /// A pending booking has reminders and a confirmation only when its customer is
    /// asked to confirm; they ask, and go out while it is pending.
    @Test(arguments: [NotificationKind.reminder, .confirmation])
    func aPendingBookingsRequestToConfirmIsLeased(_ kind: NotificationKind) {
        let candidate = LeaseCandidate(job: job(kind), booking: booking(status: .pending), subscription: nil, event: nil)
        #expect(check.decide(candidate, now: now) == .lease)
    }

    @Test func aCancellationNoticeNeedsACancelledBooking() {
        let cancelled = LeaseCandidate(job: job(.cancellation), booking: booking(status: .cancelled), subscription: nil, event: nil)
        #expect(check.decide(cancelled, now: now) == .lease)
        let revived = LeaseCandidate(job: job(.cancellation), booking: booking(status: .confirmed), subscription: nil, event: nil)
        #expect(check.decide(revived, now: now) != .lease)
    }

    @Test func aReminderLateBeyondTheGraceIsMissed() {
        let within = LeaseCandidate(job: job(.reminder, dueMinutesAgo: 14), booking: booking(), subscription: nil, event: nil)
        #expect(check.decide(within, now: now) == .lease)
        let beyond = LeaseCandidate(job: job(.reminder, dueMinutesAgo: 16), booking: booking(), subscription: nil, event: nil)
        guard case .miss(let reason) = check.decide(beyond, now: now) else {
            Issue.record("a reminder 16 minutes late was not missed")
            return
        }
        #expect(reason.contains("grace"))
    }

    @Test func nothingGoesOutAfterItsDeadline() {
        let started = LeaseCandidate(
            job: job(.reminder, dueMinutesAgo: 5, notAfter: now.addingTimeInterval(-60)), booking: booking(startsIn: -1),
            subscription: nil, event: nil)
        guard case .miss = check.decide(started, now: now) else {
            Issue.record("a reminder after the start was not missed")
            return
        }
    }

    @Test func aWebhookNeedsItsSubscription() {
        var webhookJob = job(.webhook)
        webhookJob.subscriptionID = "wh_1"
        let removed = LeaseCandidate(job: webhookJob, booking: booking(), subscription: nil, event: nil)
        guard case .cancel = check.decide(removed, now: now) else {
            Issue.record("a webhook for a removed subscription was not cancelled")
            return
        }
        let subscription = WebhookSubscription(
            id: "wh_1", tenantID: "t", url: "https://example.com/hook", eventTypes: [], secret: "whsec_x", enabled: false,
            disabledReason: "410 Gone", createdAt: now)
        let disabled = LeaseCandidate(job: webhookJob, booking: booking(), subscription: subscription, event: nil)
        #expect(check.decide(disabled, now: now) == .cancel(reason: "webhook subscription is disabled: 410 Gone"))
    }
}

extension SendTimeCheckTests {
    @Test func webhooksAndHostNotesOutliveLaterChanges() {
        var webhookJob = job(.webhook, version: 1)
        webhookJob.subscriptionID = "wh_1"
        let subscription = WebhookSubscription(
            id: "wh_1", tenantID: "t", url: "https://example.com/hook", eventTypes: [], secret: "whsec_x", enabled: true,
            disabledReason: nil, createdAt: now)
        let moved = booking(status: .cancelled, version: 3)
        #expect(check.decide(LeaseCandidate(job: webhookJob, booking: moved, subscription: subscription, event: nil), now: now) == .lease)
        #expect(check.decide(LeaseCandidate(job: job(.hostNotification), booking: moved, subscription: nil, event: nil), now: now) == .lease)
    }
}
