import Foundation
import PostgresNIO

// Models from rows of the PostgreSQL store, by column name: a query selects `*`
// (or the columns a model needs) and these read what they need, whatever the order.

/// One row, read by column name with the store's own date coding.
struct PostgresColumns {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    func callAsFunction<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try row[column].decode(T.self)
    }

    func date(_ column: String) throws -> Date { try row[column].decode(PostgresDate.self).date }
    func optionalDate(_ column: String) throws -> Date? { try row[column].decode(PostgresDate?.self)?.date }
    func int(_ column: String) throws -> Int { Int(try row[column].decode(Int64.self)) }
    func optionalInt(_ column: String) throws -> Int? { try row[column].decode(Int64?.self).map { Int($0) } }

    /// A text column holding one of `T`'s raw values.
    func value<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let raw = try row[column].decode(String.self)
        guard let value = T(rawValue: raw) else {
            throw StoreError.conflict("column \(column) holds \(raw), which is not a \(T.self)")
        }
        return value
    }

    /// A text column holding a JSON value (lists, the booking snapshot).
    func json<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try JSONColumn.decode(T.self, from: try row[column].decode(String.self))
    }
}

/// A model stored in one table of the PostgreSQL store.
protocol PostgresModel {
    static var table: String { get }
    init(_ columns: PostgresColumns) throws
}

extension Tenant: PostgresModel {
    static let table = "tenants"
    init(_ c: PostgresColumns) throws {
        self.init(id: try c("id"), name: try c("name"), createdAt: try c.date("created_at"))
    }
}

extension NotificationSettings: PostgresModel {
    static let table = "notification_settings"
    init(_ c: PostgresColumns) throws {
        var quietHours: QuietHours?
        if let start = try c.optionalInt("quiet_start_minute"), let end = try c.optionalInt("quiet_end_minute") {
            quietHours = QuietHours(startMinute: start, endMinute: end)
        }
        self.init(
            tenantID: try c("tenant_id"), emailEnabled: try c("email_enabled"), smsEnabled: try c("sms_enabled"),
            whatsappEnabled: try c("whatsapp_enabled"), reminderOffsets: try c.json("reminder_offsets"),
            smsProvider: try c.value("sms_provider"), smsFailover: try c("sms_failover"),
            timeZone: try c("time_zone"), quietHours: quietHours, followUpEnabled: try c("follow_up_enabled"),
            followUpMinutes: try c.int("follow_up_minutes"), senderName: try c("sender_name"),
            replyToEmail: try c("reply_to_email"), locale: try c("locale"),
            fallbackChannel: try (c("fallback_channel", as: String?.self)).flatMap(FallbackChannel.init(rawValue:)),
            fallbackAfterMinutes: try c.int("fallback_after_minutes"),
            replyConfirmKeywords: try c.json("reply_confirm_keywords"), replyCancelKeywords: try c.json("reply_cancel_keywords"),
            customerLinks: try c("customer_links"), askConfirmation: try c("ask_confirmation"),
            confirmDeadlineMinutes: try c.int("confirm_deadline_minutes"), cancelUnconfirmed: try c("cancel_unconfirmed"),
            calendarInvites: try c("calendar_invites"), emailAccount: try c("email_account"),
            smsAccount: try c("sms_account"), whatsappAccount: try c("whatsapp_account"), updatedAt: try c.date("updated_at"))
    }
}

extension EventType: PostgresModel {
    static let table = "event_types"
    init(_ c: PostgresColumns) throws {
        let offsets: String? = try c("reminder_offsets")
        self.init(
            tenantID: try c("tenant_id"), id: try c("id"), name: try c("name"),
            durationMinutes: try c.int("duration_minutes"),
            reminderOffsets: try offsets.map { try JSONColumn.decode([Int].self, from: $0) },
            hostEmails: try c.json("host_emails"), sendConfirmation: try c("send_confirmation"),
            sendRescheduleNotice: try c("send_reschedule_notice"),
            sendCancellationNotice: try c("send_cancellation_notice"),
            fallback: FallbackOverride(channel: try c("fallback_channel"), afterMinutes: try c.int("fallback_after_minutes")),
            askConfirmation: try c("ask_confirmation"), calendarInvites: try c("calendar_invites"),
            location: try c("location"), details: try c("description"),
            emailAccount: try c("email_account"), smsAccount: try c("sms_account"), whatsappAccount: try c("whatsapp_account"),
            createdAt: try c.date("created_at"), updatedAt: try c.date("updated_at"))
    }
}

extension Booking: PostgresModel {
    static let table = "bookings"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"), tenantID: try c("tenant_id"), eventTypeID: try c("event_type_id"),
            customerName: try c("customer_name"), customerEmail: try c("customer_email"),
            customerPhone: try c("customer_phone"), startAt: try c.date("start_at"), endAt: try c.date("end_at"),
            status: try c.value("status"), scheduleVersion: try c.int("schedule_version"),
            askedToConfirm: try c("asked_to_confirm"), confirmBy: try c.optionalDate("confirm_by"),
            createdAt: try c.date("created_at"), updatedAt: try c.date("updated_at"))
    }
}

extension WebhookSubscription: PostgresModel {
    static let table = "webhook_subscriptions"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"), tenantID: try c("tenant_id"), url: try c("url"), eventTypes: try c.json("event_types"),
            secret: try c("secret"), enabled: try c("enabled"), disabledReason: try c("disabled_reason"),
            createdAt: try c.date("created_at"))
    }
}

extension TeamDestination: PostgresModel {
    static let table = "team_destinations"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"), tenantID: try c("tenant_id"), channel: try c("channel"), recipient: try c("recipient"),
            eventTypes: try c.json("event_types"), enabled: try c("enabled"),
            disabledReason: try c("disabled_reason"), createdAt: try c.date("created_at"))
    }
}

extension NotificationJob: PostgresModel {
    static let table = "notification_jobs"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"), tenantID: try c("tenant_id"), bookingID: try c("booking_id"), kind: try c.value("kind"),
            channel: try c("channel"), provider: try c("provider"), fallbackProvider: try c("fallback_provider"),
            recipient: try c("recipient"), reminderOffsetMinutes: try c.int("reminder_offset_minutes"),
            scheduleVersion: try c.int("schedule_version"), eventID: try c("event_id"),
            subscriptionID: try c("subscription_id"), teamDestinationID: try c("team_destination_id"),
            dueAt: try c.date("due_at"), notAfter: try c.optionalDate("not_after"), status: try c.value("status"),
            attempt: try c.int("attempt"), leasedTo: try c("leased_to"),
            leaseExpiresAt: try c.optionalDate("lease_expires_at"), lastError: try c("last_error"),
            createdAt: try c.date("created_at"), updatedAt: try c.date("updated_at"), payload: try c("payload"),
            account: try c("account"))
    }
}

extension ReminderLogEntry: PostgresModel {
    static let table = "reminder_log"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id", as: Int64.self), jobID: try c("job_id"), tenantID: try c("tenant_id"),
            bookingID: try c("booking_id"), channel: try c("channel"), provider: try c("provider"),
            kind: try c.value("kind"), reminderOffsetMinutes: try c.int("reminder_offset_minutes"),
            scheduleVersion: try c.int("schedule_version"), recipient: try c("recipient"),
            eventID: try c("event_id"), outcome: try c.value("outcome"), attempts: try c.int("attempts"),
            providerMessageID: try c("provider_message_id"), error: try c("error"),
            loggedAt: try c.date("logged_at"))
    }
}

extension BookingEventRecord: PostgresModel {
    static let table = "booking_events"
    init(_ c: PostgresColumns) throws {
        let previousStatus: String? = try c("previous_status")
        self.init(
            sequence: try c("sequence", as: Int64.self), id: try c("id"), type: try c.value("type"),
            tenantID: try c("tenant_id"), bookingID: try c("booking_id"), occurredAt: try c.date("occurred_at"),
            booking: try c.json("booking"), previousStartAt: try c.optionalDate("previous_start_at"),
            previousEndAt: try c.optionalDate("previous_end_at"),
            previousStatus: previousStatus.flatMap(BookingStatus.init(rawValue:)))
    }
}

extension MessageTemplate: PostgresModel {
    static let table = "message_templates"
    init(_ c: PostgresColumns) throws {
        self.init(
            tenantID: try c("tenant_id"), kind: try c.value("kind"), channel: try c("channel"),
            subject: try c("subject"), body: try c("body"), htmlBody: try c("html_body"),
            updatedAt: try c.date("updated_at"))
    }
}

extension APIKey: PostgresModel {
    static let table = "api_keys"
    init(_ c: PostgresColumns) throws {
        self.init(
            id: try c("id"), tenantID: try c("tenant_id"), role: try c.value("role"), prefix: try c("prefix"),
            hash: try c("hash"), name: try c("name"), createdAt: try c.date("created_at"),
            revokedAt: try c.optionalDate("revoked_at"))
    }
}
