/// One change to a booking with everything that must happen with it, written by
/// ``AdminStore/writeBooking(_:)`` in a single transaction (the transactional outbox):
/// the booking, the cancellation of jobs it made obsolete, the jobs it plans, its event,
/// and log rows for notifications decided at planning time (such as skipped reminders,
/// which also come in `newJobs` with status `skipped`).
public struct BookingWrite: Sendable, Equatable {
    /// The booking as it should be stored.
    public var booking: Booking
    /// `nil` to insert a new booking. Otherwise the booking as the caller read it:
    /// the write succeeds only if the stored row still has the same schedule version,
    /// status and `updatedAt`, else it fails with ``StoreError/conflict(_:)``.
    public var expected: Booking?
    public var event: BookingEventRecord
    public var cancelPendingJobs: JobCancellation?
    public var newJobs: [NotificationJob]
    /// ReminderLog rows of this booking to append (their `id`s are assigned by the store).
    public var newLogEntries: [ReminderLogEntry]

    public init(
        booking: Booking,
        expected: Booking?,
        event: BookingEventRecord,
        cancelPendingJobs: JobCancellation? = nil,
        newJobs: [NotificationJob] = [],
        newLogEntries: [ReminderLogEntry] = []
    ) {
        self.booking = booking
        self.expected = expected
        self.event = event
        self.cancelPendingJobs = cancelPendingJobs
        self.newJobs = newJobs
        self.newLogEntries = newLogEntries
    }
}

/// What ``AdminStore/writeBooking(_:)`` stored.
public struct WrittenBooking: Sendable, Equatable {
    /// The event, with its assigned sequence.
    public var event: BookingEventRecord
    /// Every ReminderLog row the write appended (its cancelled jobs' rows, then
    /// `newLogEntries`), with their ids, as stored: what the event stream publishes.
    public var logged: [ReminderLogEntry]

    public init(event: BookingEventRecord, logged: [ReminderLogEntry] = []) {
        self.event = event
        self.logged = logged
    }
}
