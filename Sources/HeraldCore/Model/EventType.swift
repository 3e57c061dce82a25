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
    /// Ask this type's customers to confirm (or not); `nil` means the tenant's choice.
    public var askConfirmation: Bool?
    /// Calendar invites on this type's e-mails (or not); `nil` means the tenant's choice.
    public var calendarInvites: Bool?
    /// Where the appointment takes place (an address, a room, a video link): the
    /// invite's LOCATION.
    public var location: String?
    /// What the customer should know (the invite's DESCRIPTION), e.g. "Please arrive
    /// ten minutes early"; "description" in the API.
    public var details: String?
    /// Its own provider account per channel (nil: the tenant's choice).
    public var emailAccount: String?
    public var smsAccount: String?
    public var whatsappAccount: String?
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
        askConfirmation: Bool? = nil,
        calendarInvites: Bool? = nil,
        location: String? = nil,
        details: String? = nil,
        emailAccount: String? = nil,
        smsAccount: String? = nil,
        whatsappAccount: String? = nil,
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
        self.askConfirmation = askConfirmation
        self.calendarInvites = calendarInvites
        self.location = location
        self.details = details
        self.emailAccount = emailAccount
        self.smsAccount = smsAccount
        self.whatsappAccount = whatsappAccount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension EventType {
    /// Its own account on `channel`, if it chose one.
    public func account(for channel: String) -> String? {
        switch channel {
        case "email": emailAccount
        case "sms": smsAccount
        case "whatsapp": whatsappAccount
        default: nil
        }
    }
}
