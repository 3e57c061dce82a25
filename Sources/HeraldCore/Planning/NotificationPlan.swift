/// What one booking write does to the outbox: which open jobs it cancels and which it adds.
public struct NotificationPlan: Sendable, Equatable {
    /// New `pending` jobs, in a deterministic order (kind, channel, offset largest first, recipient).
    public var jobs: [NotificationJob]
    /// Reminders and follow-ups whose time had already passed when they were planned.
    /// They are inserted with status `skipped` and the reason in `lastError`, so the
    /// outbox shows what was not sent and why.
    public var skipped: [NotificationJob]
    /// One `skipped` ReminderLog row per job in ``skipped``, in the same order.
    public var logEntries: [ReminderLogEntry]
    /// Which open jobs of the booking to cancel before inserting ``jobs``; `nil`: none.
    public var cancelsPendingJobs: CancelScope?
    /// Why they are cancelled (the cancelled jobs' log error); "" when nothing is cancelled.
    public var cancellationReason: String

    public init(
        jobs: [NotificationJob] = [],
        skipped: [NotificationJob] = [],
        logEntries: [ReminderLogEntry] = [],
        cancelsPendingJobs: CancelScope? = nil,
        cancellationReason: String = ""
    ) {
        self.jobs = jobs
        self.skipped = skipped
        self.logEntries = logEntries
        self.cancelsPendingJobs = cancelsPendingJobs
        self.cancellationReason = cancellationReason
    }
}
