import HeraldProto

// JSON views of the core's messages that the `herald` CLI's `--json` and the
// HTTP gateway both answer with: every field, snake_case, statuses as
// lower-case words. (Protobuf's own JSON mapping would leave out false, 0 and
// empty fields.)

public struct BookingView: Encodable, Sendable {
    public var id: String
    public var tenant_id: String
    public var event_type_id: String
    public var customer_name: String
    public var customer_email: String
    public var customer_phone: String
    public var start_at: String
    public var end_at: String
    public var status: String
    public var schedule_version: UInt32
    /// Made pending while its tenant asks customers to confirm.
    public var asked_to_confirm: Bool
    /// When a still-pending booking is overdue for confirmation; absent when none.
    public var confirm_by: String?
    public var created_at: String
    public var updated_at: String

    public init(_ booking: Herald_V1_Booking) {
        id = booking.id
        tenant_id = booking.tenantID
        event_type_id = booking.eventTypeID
        customer_name = booking.customerName
        customer_email = booking.customerEmail
        customer_phone = booking.customerPhone
        start_at = booking.startAt
        end_at = booking.endAt
        status = booking.status.word
        schedule_version = booking.scheduleVersion
        asked_to_confirm = booking.askedToConfirm
        confirm_by = booking.confirmBy.isEmpty ? nil : booking.confirmBy
        created_at = booking.createdAt
        updated_at = booking.updatedAt
    }
}

public struct WebhookView: Encodable, Sendable {
    public var id: String
    public var tenant_id: String
    public var url: String
    public var event_types: [String]
    /// Present only in the answer to `webhook add`.
    public var secret: String?
    public var enabled: Bool
    public var disabled_reason: String
    public var created_at: String

    public init(_ webhook: Herald_V1_WebhookSubscription) {
        id = webhook.id
        tenant_id = webhook.tenantID
        url = webhook.url
        event_types = webhook.eventTypes
        secret = webhook.secret.isEmpty ? nil : webhook.secret
        enabled = webhook.enabled
        disabled_reason = webhook.disabledReason
        created_at = webhook.createdAt
    }
}

public struct LogEntryView: Encodable, Sendable {
    public var id: Int64
    public var job_id: String
    public var tenant_id: String
    public var booking_id: String
    public var channel: String
    public var provider: String
    public var kind: String
    public var reminder_offset_minutes: UInt32
    public var schedule_version: UInt32
    public var recipient: String
    public var event_id: String
    public var outcome: String
    public var attempts: UInt32
    public var provider_message_id: String
    public var error: String
    public var logged_at: String
    /// On a sent row: what the provider reported since (sent, undelivered, delivered,
    /// read), when, and its error for undelivered; empty until it reports.
    public var delivery_status: String
    public var delivery_status_at: String
    public var delivery_error_code: String
    public var delivery_error: String

    public init(_ entry: Herald_V1_ReminderLogEntry) {
        id = entry.id
        job_id = entry.jobID
        tenant_id = entry.tenantID
        booking_id = entry.bookingID
        channel = entry.channel
        provider = entry.provider
        kind = entry.kind
        reminder_offset_minutes = entry.reminderOffsetMinutes
        schedule_version = entry.scheduleVersion
        recipient = entry.recipient
        event_id = entry.eventID
        outcome = entry.outcome
        attempts = entry.attempts
        provider_message_id = entry.providerMessageID
        error = entry.error
        logged_at = entry.loggedAt
        delivery_status = entry.deliveryStatus
        delivery_status_at = entry.deliveryStatusAt
        delivery_error_code = entry.deliveryErrorCode
        delivery_error = entry.deliveryError
    }
}

public struct ScheduleView: Encodable, Sendable {
    public struct Notification: Encodable, Sendable {
        public var job_id: String
        public var kind: String
        public var channel: String
        public var provider: String
        public var recipient: String
        public var reminder_offset_minutes: UInt32
        public var schedule_version: UInt32
        public var due_at: String
        public var due_at_local: String
        public var status: String
        public var attempt: UInt32
        public var last_error: String
        /// For a sent notification: the delivery status its provider reported last
        /// (from the log's sent row); empty otherwise.
        public var delivery_status: String
        /// A fallback for an SMS or WhatsApp message that did not arrive (last_error says why).
        public var fallback: Bool
    }

    public var booking: BookingView
    public var timezone: String
    public var notifications: [Notification]
    public var log: [LogEntryView]

    public init(_ schedule: Herald_V1_GetScheduleResponse) {
        booking = BookingView(schedule.booking)
        timezone = schedule.timezone
        let delivery = schedule.deliveryStatusByJob
        notifications = schedule.notifications.map {
            Notification(
                job_id: $0.jobID, kind: $0.kind, channel: $0.channel, provider: $0.provider, recipient: $0.recipient,
                reminder_offset_minutes: $0.reminderOffsetMinutes, schedule_version: $0.scheduleVersion, due_at: $0.dueAt,
                due_at_local: $0.dueAtLocal, status: $0.status, attempt: $0.attempt, last_error: $0.lastError,
                delivery_status: delivery[$0.jobID] ?? "", fallback: $0.fallback)
        }
        log = schedule.log.map(LogEntryView.init)
    }
}

extension Herald_V1_GetScheduleResponse {
    /// Job id → the delivery status of its sent row, for the jobs that have one.
    public var deliveryStatusByJob: [String: String] {
        Dictionary(
            log.filter { $0.outcome == "sent" && !$0.deliveryStatus.isEmpty }.map { ($0.jobID, $0.deliveryStatus) },
            uniquingKeysWith: { first, _ in first })
    }
}

public struct EventView: Encodable, Sendable {
    public var sequence: UInt64
    public var id: String
    public var type: String
    public var tenant_id: String
    public var booking_id: String
    public var occurred_at: String
    public var booking: BookingView
    public var previous_start_at: String
    public var previous_end_at: String
    public var previous_status: String

    public init(_ event: Herald_V1_BookingEvent) {
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

extension Herald_V1_BookingStatus {
    public var word: String {
        switch self {
        case .pending: "pending"
        case .confirmed: "confirmed"
        case .cancelled: "cancelled"
        case .completed: "completed"
        case .noShow: "no_show"
        case .unspecified, .UNRECOGNIZED: "unknown"
        }
    }
}

extension Herald_V1_SmsProvider {
    public var word: String {
        switch self {
        case .twilio: "twilio"
        case .vonage: "vonage"
        case .unspecified, .UNRECOGNIZED: "unknown"
        }
    }
}

public struct LinkKeyView: Encodable, Sendable {
    public var id: String
    public var created_at: String
    /// nil for the current key.
    public var retires_at: String?

    public init(_ key: Herald_V1_LinkKey) {
        id = key.id
        created_at = key.createdAt
        retires_at = key.retiresAt.isEmpty ? nil : key.retiresAt
    }
}

public struct SuppressionView: Encodable, Sendable {
    public var tenant_id: String
    public var channel: String
    public var recipient: String
    public var scope: String
    public var reason: String
    public var source: String
    public var created_at: String

    public init(_ entry: Herald_V1_Suppression) {
        tenant_id = entry.tenantID
        channel = entry.channel
        recipient = entry.recipient
        scope = entry.scope
        reason = entry.reason
        source = entry.source
        created_at = entry.createdAt
    }
}

/// A provider account as `herald account list --json` shows it: never a secret.
public struct AccountView: Encodable, Sendable {
    public var channel: String
    /// nil: jobs wait for it and no worker has registered it.
    public var provider: String?
    public var name: String
    public var senders: [String]
    /// Messages a second the core hands out; nil: no limit.
    public var rate_per_second: Double?
    public var seen_at: String?
    public var workers_here: UInt32
    public var due_now: UInt64
    public var scheduled: UInt64
    public var oldest_due_at: String?

    public init(_ account: Herald_V1_AccountInfo) {
        channel = account.channel
        provider = account.provider.isEmpty ? nil : account.provider
        name = account.name
        senders = account.senders
        rate_per_second = account.ratePerSecond > 0 ? account.ratePerSecond : nil
        seen_at = account.seenAt.isEmpty ? nil : account.seenAt
        workers_here = account.workersHere
        due_now = account.dueNow
        scheduled = account.scheduled
        oldest_due_at = account.oldestDueAt.isEmpty ? nil : account.oldestDueAt
    }
}

/// The connected workers, each channel's queue and every provider account
/// (`herald channels --json`, the console's Channels page).
public struct ChannelsView: Encodable, Sendable {
    public struct Worker: Encodable, Sendable {
        public var channel: String
        public var provider: String
        public var instance_id: String
        public var plugin_version: String
        public var max_in_flight: UInt32
        public var in_flight: UInt32
        public var connected_at: String
        public var last_heard_at: String
        /// A warning about how the worker registered; empty when none.
        public var note: String
        /// The provider accounts it sends with ("default": its environment's).
        public var accounts: [String]
    }

    public struct Queue: Encodable, Sendable {
        public var channel: String
        public var due_now: UInt64
        public var scheduled: UInt64
        public var leased: UInt64
    }

    public var workers: [Worker]
    public var queues: [Queue]
    /// Every provider account with its queue (`herald account list --json`).
    public var accounts: [AccountView]

    public init(_ answer: Herald_V1_ListChannelsResponse, accounts: [Herald_V1_AccountInfo]) {
        self.accounts = accounts.map(AccountView.init)
        workers = answer.workers.map {
            Worker(
                channel: $0.channel, provider: $0.provider, instance_id: $0.instanceID, plugin_version: $0.pluginVersion,
                max_in_flight: $0.maxInFlight, in_flight: $0.inFlight, connected_at: $0.connectedAt,
                last_heard_at: $0.lastHeardAt, note: $0.note, accounts: $0.accounts)
        }
        queues = answer.queues.map { Queue(channel: $0.channel, due_now: $0.dueNow, scheduled: $0.scheduled, leased: $0.leased) }
    }
}
