/// The life of a ``NotificationJob``: `pending` → `leased` → one of the final states.
/// An expired lease puts a job back to `pending`.
public enum JobStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case pending
    case leased
    case sent
    case failed
    case skipped
    case missed
    case cancelled

    /// Whether the job may still be handed out.
    public var isOpen: Bool { self == .pending || self == .leased }
}
