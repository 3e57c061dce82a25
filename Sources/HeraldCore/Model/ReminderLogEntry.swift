import Foundation

/// One outcome of one notification. The store keeps at most one `sent` row per
/// notification key (booking, channel, kind, offset, schedule version, recipient, event).
public struct ReminderLogEntry: Sendable, Equatable, Codable {
    /// Assigned by the store on insert; `nil` before.
    public var id: Int64?
    public var jobID: String
    public var tenantID: String
    public var bookingID: String
    public var channel: String
    /// The provider that handled it; "" when none did.
    public var provider: String
    public var kind: NotificationKind
    public var reminderOffsetMinutes: Int
    public var scheduleVersion: Int
    public var recipient: String
    /// The event id for webhook deliveries; "" otherwise.
    public var eventID: String
    public var outcome: LogOutcome
    public var attempts: Int
    public var providerMessageID: String?
    public var error: String?
    public var loggedAt: Date
    /// On a `sent` row: the newest delivery status its provider reported; nil until
    /// one did, and on every other row. Kept beside the row (the log itself is
    /// append-only) and read with it.
    public var delivery: DeliveryState?

    public init(
        id: Int64? = nil,
        jobID: String,
        tenantID: String,
        bookingID: String,
        channel: String,
        provider: String = "",
        kind: NotificationKind,
        reminderOffsetMinutes: Int = 0,
        scheduleVersion: Int,
        recipient: String,
        eventID: String = "",
        outcome: LogOutcome,
        attempts: Int,
        providerMessageID: String? = nil,
        error: String? = nil,
        loggedAt: Date,
        delivery: DeliveryState? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.channel = channel
        self.provider = provider
        self.kind = kind
        self.reminderOffsetMinutes = reminderOffsetMinutes
        self.scheduleVersion = scheduleVersion
        self.recipient = recipient
        self.eventID = eventID
        self.outcome = outcome
        self.attempts = attempts
        self.providerMessageID = providerMessageID
        self.error = error
        self.loggedAt = loggedAt
        self.delivery = delivery
    }

    /// The log row for a job that ended with `outcome`.
    public init(
        job: NotificationJob,
        outcome: LogOutcome,
        provider: String? = nil,
        providerMessageID: String? = nil,
        error: String? = nil,
        loggedAt: Date
    ) {
        self.init(
            jobID: job.id,
            tenantID: job.tenantID,
            bookingID: job.bookingID,
            channel: job.channel,
            provider: provider ?? job.provider ?? "",
            kind: job.kind,
            reminderOffsetMinutes: job.reminderOffsetMinutes,
            scheduleVersion: job.scheduleVersion,
            recipient: job.recipient,
            eventID: job.eventID,
            outcome: outcome,
            attempts: job.attempt,
            providerMessageID: providerMessageID,
            error: error,
            loggedAt: loggedAt
        )
    }
}
