import Foundation
@testable import HeraldCore

/// Builders for planner inputs: a booking of tenant `tn_a` with sensible defaults,
/// so each test states only what it is about.
enum PlanningFixtures {
    static let tenantID = "tn_a"

    /// An instant from an ISO 8601 string with offset, e.g. `2025-06-12T10:00:00Z`.
    static func at(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    static func minutes(_ count: Int) -> TimeInterval { TimeInterval(count * 60) }

    static func booking(
        start: Date,
        durationMinutes: Int = 60,
        status: BookingStatus = .confirmed,
        email: String? = "ann@example.com",
        phone: String? = "+4915112345678",
        scheduleVersion: Int = 1
    ) -> Booking {
        Booking(
            id: "bk_1", tenantID: tenantID, eventTypeID: "et_1", customerName: "Ann",
            customerEmail: email, customerPhone: phone,
            startAt: start, endAt: start.addingTimeInterval(minutes(durationMinutes)),
            status: status, scheduleVersion: scheduleVersion,
            createdAt: at("2025-01-01T00:00:00Z"), updatedAt: at("2025-01-01T00:00:00Z")
        )
    }

    static func settings(
        email: Bool = true,
        sms: Bool = false,
        whatsapp: Bool = false,
        offsets: [Int] = [1440, 60],
        smsProvider: SMSProvider = .twilio,
        smsFailover: Bool = false,
        timeZone: String = "UTC",
        quietHours: QuietHours? = nil,
        followUp: Bool = false,
        followUpMinutes: Int = 120
    ) -> NotificationSettings {
        NotificationSettings(
            tenantID: tenantID, emailEnabled: email, smsEnabled: sms, whatsappEnabled: whatsapp,
            reminderOffsets: offsets, smsProvider: smsProvider, smsFailover: smsFailover,
            timeZone: timeZone, quietHours: quietHours,
            followUpEnabled: followUp, followUpMinutes: followUpMinutes,
            updatedAt: at("2025-01-01T00:00:00Z")
        )
    }

    static func eventType(
        offsets: [Int]? = nil,
        hostEmails: [String] = [],
        confirmation: Bool = true,
        rescheduleNotice: Bool = true,
        cancellationNotice: Bool = true
    ) -> EventType {
        EventType(
            tenantID: tenantID, id: "et_1", name: "Haircut", reminderOffsets: offsets, hostEmails: hostEmails,
            sendConfirmation: confirmation, sendRescheduleNotice: rescheduleNotice,
            sendCancellationNotice: cancellationNotice,
            createdAt: at("2025-01-01T00:00:00Z"), updatedAt: at("2025-01-01T00:00:00Z")
        )
    }

    static func webhook(
        _ id: String, url: String, eventTypes: [String] = [], enabled: Bool = true, tenantID: String = tenantID
    ) -> WebhookSubscription {
        WebhookSubscription(
            id: id, tenantID: tenantID, url: url, eventTypes: eventTypes, secret: "whsec_x",
            enabled: enabled, createdAt: at("2025-01-01T00:00:00Z")
        )
    }

    static func team(
        _ id: String, channel: String = "chat", to recipient: String = "https://chat.example/hooks/abc",
        eventTypes: [BookingEventType]? = nil, enabled: Bool = true, tenantID: String = tenantID
    ) -> TeamDestination {
        TeamDestination(
            id: id, tenantID: tenantID, channel: channel, recipient: recipient,
            eventTypes: eventTypes?.map(\.rawValue) ?? TeamDestination.defaultEventTypes, enabled: enabled,
            createdAt: at("2025-01-01T00:00:00Z")
        )
    }

    static func input(
        _ change: BookingEventType,
        booking: Booking,
        previous: Booking? = nil,
        settings: NotificationSettings = settings(),
        eventType: EventType? = nil,
        webhooks: [WebhookSubscription] = [],
        teamDestinations: [TeamDestination] = [],
        now: Date
    ) -> PlanningInput {
        let event = BookingEventRecord(
            id: "evt_1", type: change, tenantID: tenantID, bookingID: booking.id, occurredAt: now,
            booking: booking, previousStartAt: previous?.startAt, previousEndAt: previous?.endAt,
            previousStatus: previous?.status
        )
        return PlanningInput(
            change: change, booking: booking, previous: previous, event: event, settings: settings,
            eventType: eventType, webhooks: webhooks, teamDestinations: teamDestinations, now: now
        )
    }
}

/// A job reduced to what a test compares: kind, channel, offset and due time.
struct JobSummary: Equatable, CustomStringConvertible {
    var kind: NotificationKind
    var channel: String
    var offset: Int
    var dueAt: Date

    init(_ kind: NotificationKind, _ channel: String, _ offset: Int = 0, _ dueAt: Date) {
        self.kind = kind
        self.channel = channel
        self.offset = offset
        self.dueAt = dueAt
    }

    init(_ job: NotificationJob) {
        self.init(job.kind, job.channel, job.reminderOffsetMinutes, job.dueAt)
    }

    var description: String { "\(kind.rawValue)/\(channel)/\(offset)@\(dueAt.formatted(.iso8601))" }
}

extension NotificationPlan {
    var summaries: [JobSummary] { jobs.map(JobSummary.init) }
    var skippedSummaries: [JobSummary] { skipped.map(JobSummary.init) }
}
