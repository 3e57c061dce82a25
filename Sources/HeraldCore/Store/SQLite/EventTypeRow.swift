import Foundation
import GRDB

/// A row of `event_types`; the offsets and host e-mails are JSON arrays (NULL offsets: the tenant's).
struct EventTypeRow: ModelRow, PersistableRecord {
    static let databaseTableName = "event_types"

    var tenantID: String
    var id: String
    var name: String
    var durationMinutes: Int
    var reminderOffsets: [Int]?
    var hostEmails: [String]
    var sendConfirmation: Bool
    var sendRescheduleNotice: Bool
    var sendCancellationNotice: Bool
    var fallbackChannel: String?
    var fallbackAfterMinutes: Int
    var askConfirmation: Bool?
    var calendarInvites: Bool?
    var location: String?
    var details: String?
    var emailAccount: String?
    var smsAccount: String?
    var whatsappAccount: String?
    var createdAt: Date
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case id
        case name
        case durationMinutes = "duration_minutes"
        case reminderOffsets = "reminder_offsets"
        case hostEmails = "host_emails"
        case sendConfirmation = "send_confirmation"
        case sendRescheduleNotice = "send_reschedule_notice"
        case sendCancellationNotice = "send_cancellation_notice"
        case fallbackChannel = "fallback_channel"
        case fallbackAfterMinutes = "fallback_after_minutes"
        case askConfirmation = "ask_confirmation"
        case calendarInvites = "calendar_invites"
        case location
        case details = "description"
        case emailAccount = "email_account"
        case smsAccount = "sms_account"
        case whatsappAccount = "whatsapp_account"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let tenantID = Column(CodingKeys.tenantID)
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let durationMinutes = Column(CodingKeys.durationMinutes)
        static let reminderOffsets = Column(CodingKeys.reminderOffsets)
        static let hostEmails = Column(CodingKeys.hostEmails)
        static let sendConfirmation = Column(CodingKeys.sendConfirmation)
        static let sendRescheduleNotice = Column(CodingKeys.sendRescheduleNotice)
        static let sendCancellationNotice = Column(CodingKeys.sendCancellationNotice)
        static let createdAt = Column(CodingKeys.createdAt)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    init(_ eventType: EventType) {
        tenantID = eventType.tenantID
        id = eventType.id
        name = eventType.name
        durationMinutes = eventType.durationMinutes
        reminderOffsets = eventType.reminderOffsets
        hostEmails = eventType.hostEmails
        sendConfirmation = eventType.sendConfirmation
        sendRescheduleNotice = eventType.sendRescheduleNotice
        sendCancellationNotice = eventType.sendCancellationNotice
        fallbackChannel = eventType.fallback?.channelName
        fallbackAfterMinutes = eventType.fallback?.afterMinutes ?? 0
        askConfirmation = eventType.askConfirmation
        calendarInvites = eventType.calendarInvites
        location = eventType.location
        details = eventType.details
        emailAccount = eventType.emailAccount
        smsAccount = eventType.smsAccount
        whatsappAccount = eventType.whatsappAccount
        createdAt = eventType.createdAt
        updatedAt = eventType.updatedAt
    }

    var model: EventType {
        EventType(
            tenantID: tenantID, id: id, name: name, durationMinutes: durationMinutes,
            reminderOffsets: reminderOffsets, hostEmails: hostEmails, sendConfirmation: sendConfirmation,
            sendRescheduleNotice: sendRescheduleNotice, sendCancellationNotice: sendCancellationNotice,
            fallback: FallbackOverride(channel: fallbackChannel, afterMinutes: fallbackAfterMinutes),
            askConfirmation: askConfirmation, calendarInvites: calendarInvites, location: location, details: details,
            emailAccount: emailAccount, smsAccount: smsAccount, whatsappAccount: whatsappAccount,
            createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension EventType: StoredInTable {
    typealias Row = EventTypeRow
}

extension EventTypeRow {
    /// One event type of a tenant, through a cached statement (booking writes read it).
    static func find(tenantID: String, id: String) -> SQLRequest<EventTypeRow> {
        SQLRequest(
            literal: "SELECT * FROM \(self) WHERE \(CodingKeys.tenantID) = \(tenantID) AND \(CodingKeys.id) = \(id)",
            cached: true)
    }
}
