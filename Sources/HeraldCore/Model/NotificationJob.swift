import Foundation

/// A planned delivery: one row of the transactional outbox.
///
/// Its `id` is the `delivery_id` a channel passes to the provider as idempotency key,
/// so it stays the same across attempts.
public struct NotificationJob: Sendable, Equatable, Codable {
    /// `job_...`.
    public var id: String
    public var tenantID: String
    public var bookingID: String
    public var kind: NotificationKind
    /// `email`, `sms`, `whatsapp`, `webhook` or a custom channel name.
    public var channel: String
    /// The preferred provider, if any (`twilio`, `vonage`, ...).
    public var provider: String?
    /// The provider to switch to when `provider` has no worker or keeps failing
    /// (SMS failover, when the tenant allows it); nil: no failover.
    public var fallbackProvider: String?
    /// An address, phone number or URL.
    public var recipient: String
    /// Minutes before the start for reminders; 0 otherwise.
    public var reminderOffsetMinutes: Int
    /// The booking's schedule version the job was planned for.
    public var scheduleVersion: Int
    /// The ``BookingEventRecord`` id for webhook and host/team jobs; "" otherwise.
    public var eventID: String
    /// The ``WebhookSubscription`` a webhook job is for.
    public var subscriptionID: String?
    /// The ``TeamDestination`` a host notification is for; nil for an event type's host e-mails.
    public var teamDestinationID: String?
    public var dueAt: Date
    /// After this time the job is `missed` rather than sent late.
    public var notAfter: Date?
    public var status: JobStatus
    /// How many times the job was handed out; 0 before the first.
    public var attempt: Int
    public var leasedTo: String?
    public var leaseExpiresAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The body of a webhook whose event is not a booking event (a delivery status a
    /// provider reported), fixed when the job was made and sent as is; nil otherwise.
    public var payload: String?
    /// The provider account it is sent with, by name (the tenant's choice for its
    /// channel when it was planned); "" is the workers' default account. Only a worker
    /// that registered this account takes it.
    public var account: String

    public init(
        id: String,
        tenantID: String,
        bookingID: String,
        kind: NotificationKind,
        channel: String,
        provider: String? = nil,
        fallbackProvider: String? = nil,
        recipient: String,
        reminderOffsetMinutes: Int = 0,
        scheduleVersion: Int,
        eventID: String = "",
        subscriptionID: String? = nil,
        teamDestinationID: String? = nil,
        dueAt: Date,
        notAfter: Date? = nil,
        status: JobStatus = .pending,
        attempt: Int = 0,
        leasedTo: String? = nil,
        leaseExpiresAt: Date? = nil,
        lastError: String? = nil,
        createdAt: Date,
        updatedAt: Date,
        payload: String? = nil,
        account: String = ""
    ) {
        self.id = id
        self.tenantID = tenantID
        self.bookingID = bookingID
        self.kind = kind
        self.channel = channel
        self.provider = provider
        self.fallbackProvider = fallbackProvider
        self.recipient = recipient
        self.reminderOffsetMinutes = reminderOffsetMinutes
        self.scheduleVersion = scheduleVersion
        self.eventID = eventID
        self.subscriptionID = subscriptionID
        self.teamDestinationID = teamDestinationID
        self.dueAt = dueAt
        self.notAfter = notAfter
        self.status = status
        self.attempt = attempt
        self.leasedTo = leasedTo
        self.leaseExpiresAt = leaseExpiresAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.payload = payload
        self.account = account
    }
}
