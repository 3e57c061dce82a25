import Foundation
import GRDB

/// A row of `reminder_log`.
struct ReminderLogRow: ModelRow {
    static let databaseTableName = "reminder_log"

    var id: Int64?
    var jobID: String
    var tenantID: String
    var bookingID: String
    var channel: String
    var provider: String
    var kind: NotificationKind
    var reminderOffsetMinutes: Int
    var scheduleVersion: Int
    var recipient: String
    var eventID: String
    var outcome: LogOutcome
    var attempts: Int
    var providerMessageID: String?
    var error: String?
    var loggedAt: Date

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case jobID = "job_id"
        case tenantID = "tenant_id"
        case bookingID = "booking_id"
        case channel
        case provider
        case kind
        case reminderOffsetMinutes = "reminder_offset_minutes"
        case scheduleVersion = "schedule_version"
        case recipient
        case eventID = "event_id"
        case outcome
        case attempts
        case providerMessageID = "provider_message_id"
        case error
        case loggedAt = "logged_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let jobID = Column(CodingKeys.jobID)
        static let tenantID = Column(CodingKeys.tenantID)
        static let bookingID = Column(CodingKeys.bookingID)
        static let channel = Column(CodingKeys.channel)
        static let provider = Column(CodingKeys.provider)
        static let kind = Column(CodingKeys.kind)
        static let reminderOffsetMinutes = Column(CodingKeys.reminderOffsetMinutes)
        static let scheduleVersion = Column(CodingKeys.scheduleVersion)
        static let recipient = Column(CodingKeys.recipient)
        static let eventID = Column(CodingKeys.eventID)
        static let outcome = Column(CodingKeys.outcome)
        static let attempts = Column(CodingKeys.attempts)
        static let providerMessageID = Column(CodingKeys.providerMessageID)
        static let error = Column(CodingKeys.error)
        static let loggedAt = Column(CodingKeys.loggedAt)
    }

    init(_ entry: ReminderLogEntry) {
        id = entry.id
        jobID = entry.jobID
        tenantID = entry.tenantID
        bookingID = entry.bookingID
        channel = entry.channel
        provider = entry.provider
        kind = entry.kind
        reminderOffsetMinutes = entry.reminderOffsetMinutes
        scheduleVersion = entry.scheduleVersion
        recipient = entry.recipient
        eventID = entry.eventID
        outcome = entry.outcome
        attempts = entry.attempts
        providerMessageID = entry.providerMessageID
        error = entry.error
        loggedAt = entry.loggedAt
    }

    var model: ReminderLogEntry {
        ReminderLogEntry(
            id: id, jobID: jobID, tenantID: tenantID, bookingID: bookingID, channel: channel,
            provider: provider, kind: kind, reminderOffsetMinutes: reminderOffsetMinutes,
            scheduleVersion: scheduleVersion, recipient: recipient, eventID: eventID, outcome: outcome,
            attempts: attempts, providerMessageID: providerMessageID, error: error, loggedAt: loggedAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension ReminderLogEntry: StoredInTable {
    typealias Row = ReminderLogRow
}
