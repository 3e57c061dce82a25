import HeraldProto

// Tenants, their settings, event types and team destinations, as `herald ... --json`
// prints them and the gateway answers them. The names are the gateway's published
// ones (openapi.yaml); where the CLI used to print others, docs/gateway.md lists them.

public struct TenantView: Encodable, Sendable {
    public var id: String
    public var name: String
    public var created_at: String

    public init(_ tenant: Herald_V1_Tenant) {
        id = tenant.id
        name = tenant.name
        created_at = tenant.createdAt
    }
}

public struct SettingsView: Encodable, Sendable {
    /// `{"start": "21:00", "end": "08:00"}` in the tenant's time zone.
    public struct QuietHours: Encodable, Sendable {
        public var start: String
        public var end: String

        public init(_ hours: Herald_V1_QuietHours) {
            start = Self.clock(hours.startMinute)
            end = Self.clock(hours.endMinute)
        }

        /// `HH:MM` for a minute of the day.
        public static func clock(_ minute: UInt32) -> String {
            func twoDigits(_ value: UInt32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(twoDigits(minute / 60)):\(twoDigits(minute % 60))"
        }
    }

    public var tenant_id: String
    public var email_enabled: Bool
    public var sms_enabled: Bool
    public var whatsapp_enabled: Bool
    public var reminder_minutes_before: [UInt32]
    public var sms_provider: String
    public var sms_failover: Bool
    public var timezone: String
    /// Absent: no quiet hours.
    public var quiet_hours: QuietHours?
    public var follow_up_enabled: Bool
    public var follow_up_minutes: UInt32
    public var sender_name: String
    /// Absent: none set.
    public var reply_to_email: String?
    public var locale: String
    /// "email" or "sms"; absent: no fallback.
    public var fallback_channel: String?
    public var fallback_after_minutes: UInt32
    public var reply_confirm_keywords: [String]
    public var reply_cancel_keywords: [String]
    /// Signed confirm and cancel links in customers' messages.
    public var customer_links: Bool
    /// Ask customers to confirm their bookings.
    public var ask_confirmation: Bool
    /// Minutes before the start by which an asked booking should be confirmed; 0: no deadline.
    public var confirm_deadline_minutes: UInt32
    /// At the deadline: cancel (true) or only report booking.unconfirmed (false).
    public var cancel_unconfirmed: Bool
    public var calendar_invites: Bool
    /// Provider accounts per channel; absent: the workers' default account.
    public var email_account: String?
    public var sms_account: String?
    public var whatsapp_account: String?
    public var updated_at: String

    public init(_ settings: Herald_V1_NotificationSettings) {
        tenant_id = settings.tenantID
        email_enabled = settings.emailEnabled
        sms_enabled = settings.smsEnabled
        whatsapp_enabled = settings.whatsappEnabled
        reminder_minutes_before = settings.reminderOffsetsMinutes
        sms_provider = settings.smsProvider.word
        sms_failover = settings.smsFailover
        timezone = settings.timezone
        quiet_hours = settings.hasQuietHours ? QuietHours(settings.quietHours) : nil
        follow_up_enabled = settings.followUpEnabled
        follow_up_minutes = settings.followUpMinutes
        sender_name = settings.senderName
        reply_to_email = settings.replyToEmail.isEmpty ? nil : settings.replyToEmail
        locale = settings.locale
        fallback_channel = settings.fallbackChannel.isEmpty ? nil : settings.fallbackChannel
        fallback_after_minutes = settings.fallbackAfterMinutes
        reply_confirm_keywords = settings.replyConfirmKeywords
        reply_cancel_keywords = settings.replyCancelKeywords
        customer_links = settings.customerLinks
        ask_confirmation = settings.askConfirmation
        confirm_deadline_minutes = settings.confirmDeadlineMinutes
        cancel_unconfirmed = settings.cancelUnconfirmed
        calendar_invites = settings.calendarInvites
        email_account = settings.emailAccount.isEmpty ? nil : settings.emailAccount
        sms_account = settings.smsAccount.isEmpty ? nil : settings.smsAccount
        whatsapp_account = settings.whatsappAccount.isEmpty ? nil : settings.whatsappAccount
        updated_at = settings.updatedAt
    }
}

public struct EventTypeView: Encodable, Sendable {
    public var tenant_id: String
    public var id: String
    public var name: String
    public var duration_minutes: UInt32
    /// Absent: the tenant's settings apply.
    public var reminder_minutes_before: [UInt32]?
    public var booking_notification_emails: [String]
    public var send_confirmation: Bool
    public var send_reschedule_notice: Bool
    public var send_cancellation_notice: Bool
    /// Its own fallback rule ("email", "sms" or "off"); absent: the tenant's.
    public var fallback_channel: String?
    /// With fallback_channel email or sms.
    public var fallback_after_minutes: UInt32?
    /// Absent: the tenant's choice.
    public var ask_confirmation: Bool?
    /// Absent: the tenant's choice.
    public var calendar_invites: Bool?
    /// Absent: none.
    public var location: String?
    public var description: String?
    /// Its own provider accounts; absent: the tenant's.
    public var email_account: String?
    public var sms_account: String?
    public var whatsapp_account: String?
    public var created_at: String
    public var updated_at: String

    public init(_ eventType: Herald_V1_EventType) {
        tenant_id = eventType.tenantID
        id = eventType.id
        name = eventType.name
        duration_minutes = eventType.durationMinutes
        reminder_minutes_before = eventType.hasReminderOffsets ? eventType.reminderOffsets.minutes : nil
        booking_notification_emails = eventType.hostEmails
        send_confirmation = eventType.sendConfirmation
        send_reschedule_notice = eventType.sendRescheduleNotice
        send_cancellation_notice = eventType.sendCancellationNotice
        fallback_channel = eventType.fallbackChannel.isEmpty ? nil : eventType.fallbackChannel
        fallback_after_minutes = ["email", "sms"].contains(eventType.fallbackChannel) ? eventType.fallbackAfterMinutes : nil
        ask_confirmation = eventType.hasAskConfirmation ? eventType.askConfirmation : nil
        calendar_invites = eventType.hasCalendarInvites ? eventType.calendarInvites : nil
        location = eventType.location.isEmpty ? nil : eventType.location
        description = eventType.description_p.isEmpty ? nil : eventType.description_p
        email_account = eventType.emailAccount.isEmpty ? nil : eventType.emailAccount
        sms_account = eventType.smsAccount.isEmpty ? nil : eventType.smsAccount
        whatsapp_account = eventType.whatsappAccount.isEmpty ? nil : eventType.whatsappAccount
        created_at = eventType.createdAt
        updated_at = eventType.updatedAt
    }
}

public struct TeamDestinationView: Encodable, Sendable {
    public var id: String
    public var tenant_id: String
    public var channel: String
    public var recipient: String
    public var event_types: [String]
    public var enabled: Bool
    public var disabled_reason: String
    public var created_at: String

    public init(_ destination: Herald_V1_TeamDestination) {
        id = destination.id
        tenant_id = destination.tenantID
        channel = destination.channel
        recipient = destination.recipient
        event_types = destination.eventTypes
        enabled = destination.enabled
        disabled_reason = destination.disabledReason
        created_at = destination.createdAt
    }
}

/// Names the CLI's `--json` printed before it shared the gateway's views, by their
/// published names. Input that may have been scripted against the old output
/// (request bodies of the gateway) accepts them too.
public enum FormerFieldNames {
    public static let published: [String: String] = [
        "reminder_offsets_minutes": "reminder_minutes_before",
        "host_emails": "booking_notification_emails",
    ]
}
