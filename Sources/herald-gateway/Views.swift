import HeraldProto

// What the API answers: snake_case, statuses as lower-case words, every field present.

enum StatusWord {
    static func of(_ status: Herald_V1_BookingStatus) -> String {
        switch status {
        case .pending: "pending"
        case .confirmed: "confirmed"
        case .cancelled: "cancelled"
        case .completed: "completed"
        case .noShow: "no_show"
        case .unspecified, .UNRECOGNIZED: "unknown"
        }
    }

    static func parse(_ word: String) -> Herald_V1_BookingStatus? {
        switch word {
        case "pending": .pending
        case "confirmed": .confirmed
        case "cancelled": .cancelled
        case "completed": .completed
        case "no_show": .noShow
        default: nil
        }
    }
}

struct BookingJSON: Encodable {
    var id, tenant_id: String
    var event_type_id: String?
    var customer_name: String
    var customer_email, customer_phone: String?
    var start_at, end_at, status: String
    var schedule_version: UInt32
    var created_at, updated_at: String

    init(_ booking: Herald_V1_Booking) {
        id = booking.id
        tenant_id = booking.tenantID
        event_type_id = booking.eventTypeID.isEmpty ? nil : booking.eventTypeID
        customer_name = booking.customerName
        customer_email = booking.customerEmail.isEmpty ? nil : booking.customerEmail
        customer_phone = booking.customerPhone.isEmpty ? nil : booking.customerPhone
        start_at = booking.startAt
        end_at = booking.endAt
        status = StatusWord.of(booking.status)
        schedule_version = booking.scheduleVersion
        created_at = booking.createdAt
        updated_at = booking.updatedAt
    }
}

/// The answer to a booking write, in the shape booking apps expect.
struct BookingWriteJSON: Encodable {
    var ok = true
    var booking_id: String
    var booking: BookingJSON

    init(_ booking: Herald_V1_Booking) {
        booking_id = booking.id
        self.booking = BookingJSON(booking)
    }
}

struct BookingListJSON: Encodable {
    var bookings: [BookingJSON]
    var limit: Int
    var offset: Int
    /// The `offset` of the next page; nil on the last page.
    var next_offset: Int?
}

struct LogEntryJSON: Encodable {
    var id: Int64
    var booking_id, channel, provider, kind: String
    var reminder_offset_minutes, schedule_version: UInt32
    var recipient, outcome: String
    var attempts: UInt32
    var provider_message_id, error: String?
    var logged_at: String

    init(_ entry: Herald_V1_ReminderLogEntry) {
        id = entry.id
        booking_id = entry.bookingID
        channel = entry.channel
        provider = entry.provider
        kind = entry.kind
        reminder_offset_minutes = entry.reminderOffsetMinutes
        schedule_version = entry.scheduleVersion
        recipient = entry.recipient
        outcome = entry.outcome
        attempts = entry.attempts
        provider_message_id = entry.providerMessageID.isEmpty ? nil : entry.providerMessageID
        error = entry.error.isEmpty ? nil : entry.error
        logged_at = entry.loggedAt
    }
}

struct ScheduledJSON: Encodable {
    var id, kind, channel: String
    var provider: String?
    var recipient: String
    var reminder_offset_minutes, schedule_version: UInt32
    var due_at, due_at_local, status: String
    var attempt: UInt32
    var last_error: String?

    init(_ job: Herald_V1_ScheduledNotification) {
        id = job.jobID
        kind = job.kind
        channel = job.channel
        provider = job.provider.isEmpty ? nil : job.provider
        recipient = job.recipient
        reminder_offset_minutes = job.reminderOffsetMinutes
        schedule_version = job.scheduleVersion
        due_at = job.dueAt
        due_at_local = job.dueAtLocal
        status = job.status
        attempt = job.attempt
        last_error = job.lastError.isEmpty ? nil : job.lastError
    }
}

struct NotificationsJSON: Encodable {
    var booking_id: String
    var timezone: String
    var notifications: [ScheduledJSON]
    var log: [LogEntryJSON]
}

struct ReminderLogJSON: Encodable {
    var entries: [LogEntryJSON]
}
