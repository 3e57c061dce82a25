/// The outcome a ReminderLog row records.
public enum LogOutcome: String, Sendable, Equatable, Codable, CaseIterable {
    case sent
    case failed
    case skipped
    case missed
    case cancelled
}
