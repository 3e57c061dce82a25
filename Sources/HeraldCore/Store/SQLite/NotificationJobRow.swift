import Foundation
import GRDB

/// A row of `notification_jobs`, the outbox.
struct NotificationJobRow: ModelRow, PersistableRecord {
    static let databaseTableName = "notification_jobs"

    var id: String
    var tenantID: String
    var bookingID: String
    var kind: NotificationKind
    var channel: String
    var provider: String?
    var fallbackProvider: String?
    var recipient: String
    var reminderOffsetMinutes: Int
    var scheduleVersion: Int
    var eventID: String
    var subscriptionID: String?
    var teamDestinationID: String?
    var dueAt: Date
    var notAfter: Date?
    var status: JobStatus
    var attempt: Int
    var leasedTo: String?
    var leaseExpiresAt: Date?
    var lastError: String?
    var createdAt: Date
    var updatedAt: Date
    var payload: String?
    var account: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case tenantID = "tenant_id"
        case bookingID = "booking_id"
        case kind
        case channel
        case provider
        case fallbackProvider = "fallback_provider"
        case recipient
        case reminderOffsetMinutes = "reminder_offset_minutes"
        case scheduleVersion = "schedule_version"
        case eventID = "event_id"
        case subscriptionID = "subscription_id"
        case teamDestinationID = "team_destination_id"
        case dueAt = "due_at"
        case notAfter = "not_after"
        case status
        case attempt
        case leasedTo = "leased_to"
        case leaseExpiresAt = "lease_expires_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case payload
        case account
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantID = Column(CodingKeys.tenantID)
        static let bookingID = Column(CodingKeys.bookingID)
        static let kind = Column(CodingKeys.kind)
        static let channel = Column(CodingKeys.channel)
        static let provider = Column(CodingKeys.provider)
        static let fallbackProvider = Column(CodingKeys.fallbackProvider)
        static let recipient = Column(CodingKeys.recipient)
        static let reminderOffsetMinutes = Column(CodingKeys.reminderOffsetMinutes)
        static let scheduleVersion = Column(CodingKeys.scheduleVersion)
        static let eventID = Column(CodingKeys.eventID)
        static let subscriptionID = Column(CodingKeys.subscriptionID)
        static let teamDestinationID = Column(CodingKeys.teamDestinationID)
        static let dueAt = Column(CodingKeys.dueAt)
        static let notAfter = Column(CodingKeys.notAfter)
        static let status = Column(CodingKeys.status)
        static let attempt = Column(CodingKeys.attempt)
        static let leasedTo = Column(CodingKeys.leasedTo)
        static let leaseExpiresAt = Column(CodingKeys.leaseExpiresAt)
        static let lastError = Column(CodingKeys.lastError)
        static let createdAt = Column(CodingKeys.createdAt)
        static let updatedAt = Column(CodingKeys.updatedAt)
        static let payload = Column(CodingKeys.payload)
    }

    init(_ job: NotificationJob) {
        id = job.id
        tenantID = job.tenantID
        bookingID = job.bookingID
        kind = job.kind
        channel = job.channel
        provider = job.provider
        fallbackProvider = job.fallbackProvider
        recipient = job.recipient
        reminderOffsetMinutes = job.reminderOffsetMinutes
        scheduleVersion = job.scheduleVersion
        eventID = job.eventID
        subscriptionID = job.subscriptionID
        teamDestinationID = job.teamDestinationID
        dueAt = job.dueAt
        notAfter = job.notAfter
        status = job.status
        attempt = job.attempt
        leasedTo = job.leasedTo
        leaseExpiresAt = job.leaseExpiresAt
        lastError = job.lastError
        createdAt = job.createdAt
        updatedAt = job.updatedAt
        payload = job.payload
        account = job.account
    }

    var model: NotificationJob {
        NotificationJob(
            id: id, tenantID: tenantID, bookingID: bookingID, kind: kind, channel: channel, provider: provider,
            fallbackProvider: fallbackProvider, recipient: recipient,
            reminderOffsetMinutes: reminderOffsetMinutes, scheduleVersion: scheduleVersion, eventID: eventID,
            subscriptionID: subscriptionID, teamDestinationID: teamDestinationID, dueAt: dueAt,
            notAfter: notAfter, status: status, attempt: attempt, leasedTo: leasedTo,
            leaseExpiresAt: leaseExpiresAt, lastError: lastError, createdAt: createdAt, updatedAt: updatedAt,
            payload: payload, account: account)
    }
}

extension NotificationJob: StoredInTable {
    typealias Row = NotificationJobRow
}

extension NotificationJobRow {
    /// A booking's pending and leased jobs, of the given kinds (a JSON array of kind
    /// names) or of every kind, through a cached statement (booking writes that
    /// reschedule or cancel read them).
    static func open(bookingID: String, kinds: String?) -> SQLRequest<NotificationJobRow> {
        var sql: SQL = """
            SELECT * FROM \(self)
            WHERE \(CodingKeys.bookingID) = \(bookingID) AND \(CodingKeys.status) IN \([JobStatus.pending, .leased])
            """
        if let kinds {
            sql += " AND \(CodingKeys.kind) IN (SELECT value FROM json_each(\(kinds)))"
        }
        sql += " ORDER BY rowid"
        return SQLRequest(literal: sql, cached: true)
    }
}
