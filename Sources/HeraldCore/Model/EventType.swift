import Foundation

/// A kind of appointment a tenant offers; it may override the tenant's reminder offsets.
public struct EventType: Sendable, Equatable, Codable {
    public var tenantID: String
    public var id: String
    public var name: String
    public var durationMinutes: Int
    /// Reminder offsets in minutes before the start; `nil` means the tenant's.
    public var reminderOffsets: [Int]?
    /// Host or team addresses told about bookings of this type.
    public var hostEmails: [String]
    public var sendConfirmation: Bool
    public var sendRescheduleNotice: Bool
    public var sendCancellationNotice: Bool
    /// Its own fallback rule (or none); `nil` means the tenant's.
    public var fallback: FallbackOverride?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        tenantID: String,
        id: String,
        name: String,
        durationMinutes: Int = 60,
        reminderOffsets: [Int]? = nil,
        hostEmails: [String] = [],
        sendConfirmation: Bool = true,
        sendRescheduleNotice: Bool = true,
        sendCancellationNotice: Bool = true,
        fallback: FallbackOverride? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.durationMinutes = durationMinutes
        self.reminderOffsets = reminderOffsets
        self.hostEmails = hostEmails
        self.sendConfirmation = sendConfirmation
        self.sendRescheduleNotice = sendRescheduleNotice
        self.sendCancellationNotice = sendCancellationNotice
        self.fallback = fallback
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
