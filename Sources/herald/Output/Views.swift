import Foundation
import HeraldProto
import HeraldViews

// What `--json` prints: every field, snake_case, statuses as lower-case words.
// (Protobuf's own JSON mapping would leave out false, 0 and empty fields.)

struct TenantView: Encodable {
    var id: String
    var name: String
    var created_at: String

    init(_ tenant: Herald_V1_Tenant) {
        id = tenant.id
        name = tenant.name
        created_at = tenant.createdAt
    }
}

struct SettingsView: Encodable {
    var tenant_id: String
    var email_enabled: Bool
    var sms_enabled: Bool
    var whatsapp_enabled: Bool
    var reminder_offsets_minutes: [UInt32]
    var sms_provider: String
    var sms_failover: Bool
    var timezone: String
    var quiet_hours: String?
    var follow_up_enabled: Bool
    var follow_up_minutes: UInt32
    var sender_name: String
    var reply_to_email: String
    var locale: String
    var updated_at: String

    init(_ settings: Herald_V1_NotificationSettings) {
        tenant_id = settings.tenantID
        email_enabled = settings.emailEnabled
        sms_enabled = settings.smsEnabled
        whatsapp_enabled = settings.whatsappEnabled
        reminder_offsets_minutes = settings.reminderOffsetsMinutes
        sms_provider = settings.smsProvider.word
        sms_failover = settings.smsFailover
        timezone = settings.timezone
        quiet_hours = settings.hasQuietHours ? QuietHoursArgument.format(settings.quietHours) : nil
        follow_up_enabled = settings.followUpEnabled
        follow_up_minutes = settings.followUpMinutes
        sender_name = settings.senderName
        reply_to_email = settings.replyToEmail
        locale = settings.locale
        updated_at = settings.updatedAt
    }
}

struct EventTypeView: Encodable {
    var tenant_id: String
    var id: String
    var name: String
    var duration_minutes: UInt32
    /// nil: the tenant's offsets apply.
    var reminder_offsets_minutes: [UInt32]?
    var host_emails: [String]
    var send_confirmation: Bool
    var send_reschedule_notice: Bool
    var send_cancellation_notice: Bool
    var created_at: String
    var updated_at: String

    init(_ eventType: Herald_V1_EventType) {
        tenant_id = eventType.tenantID
        id = eventType.id
        name = eventType.name
        duration_minutes = eventType.durationMinutes
        reminder_offsets_minutes = eventType.hasReminderOffsets ? eventType.reminderOffsets.minutes : nil
        host_emails = eventType.hostEmails
        send_confirmation = eventType.sendConfirmation
        send_reschedule_notice = eventType.sendRescheduleNotice
        send_cancellation_notice = eventType.sendCancellationNotice
        created_at = eventType.createdAt
        updated_at = eventType.updatedAt
    }
}

struct TeamDestinationView: Encodable {
    var id: String
    var tenant_id: String
    var channel: String
    var recipient: String
    var event_types: [String]
    var enabled: Bool
    var disabled_reason: String
    var created_at: String

    init(_ destination: Herald_V1_TeamDestination) {
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

struct EventView: Encodable {
    var sequence: UInt64
    var id: String
    var type: String
    var tenant_id: String
    var booking_id: String
    var occurred_at: String
    var booking: BookingView
    var previous_start_at: String
    var previous_end_at: String
    var previous_status: String

    init(_ event: Herald_V1_BookingEvent) {
        sequence = event.sequence
        id = event.id
        type = event.type
        tenant_id = event.tenantID
        booking_id = event.bookingID
        occurred_at = event.occurredAt
        booking = BookingView(event.booking)
        previous_start_at = event.previousStartAt
        previous_end_at = event.previousEndAt
        previous_status = event.previousStatus == .unspecified ? "" : event.previousStatus.word
    }
}

/// Prints an Encodable value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}
