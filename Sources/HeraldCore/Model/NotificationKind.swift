/// What a notification is about; part of its ReminderLog key.
public enum NotificationKind: String, Sendable, Equatable, Codable, CaseIterable {
    case confirmation
    case reminder
    case reschedule
    case cancellation
    case hostNotification = "host_notification"
    case followUp = "follow_up"
    case webhook
}
