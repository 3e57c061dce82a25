import Foundation

/// A tenant's notification preferences; event types may override some of them.
public struct NotificationSettings: Sendable, Equatable, Codable {
    public var tenantID: String
    public var emailEnabled: Bool
    public var smsEnabled: Bool
    public var whatsappEnabled: Bool
    /// Minutes before the start at which reminders go out, e.g. `[1440, 60]`.
    public var reminderOffsets: [Int]
    public var smsProvider: SMSProvider
    /// Whether an SMS may go through the other provider when the preferred one has no worker or fails.
    public var smsFailover: Bool
    /// An IANA time zone identifier, used for quiet hours and rendering.
    public var timeZone: String
    public var quietHours: QuietHours?
    public var followUpEnabled: Bool
    /// Minutes after the end of a booking at which the follow-up goes out.
    public var followUpMinutes: Int
    public var senderName: String
    public var replyToEmail: String?
    public var locale: String
    /// Where an SMS or WhatsApp message goes when it will not arrive (nil: nowhere);
    /// see ``Fallback``.
    public var fallbackChannel: FallbackChannel?
    /// With a fallback channel: also fall back when the message is not reported
    /// delivered within this many minutes of being sent; 0 waits for a report of failure.
    public var fallbackAfterMinutes: Int
    /// Words a customer may reply by SMS or WhatsApp to confirm, or to cancel, their
    /// next upcoming booking (upper case; empty: replies change no booking).
    public var replyConfirmKeywords: [String]
    public var replyCancelKeywords: [String]
    /// Confirm and cancel links in customers' messages (`{{confirm_url}}`,
    /// `{{cancel_url}}`, and in the default templates), when heraldd has --public-url.
    public var customerLinks: Bool
    /// Ask customers to confirm: a new booking starts `pending` unless the booking app
    /// says otherwise, and its confirmation and reminders ask the customer to confirm
    /// until they do (see ``ConfirmationRequest``). An event type may override it.
    public var askConfirmation: Bool
    /// With ``askConfirmation``: minutes before the start by which a pending booking
    /// should be confirmed; then the team is told (`booking.unconfirmed`), or the booking
    /// cancelled with ``cancelUnconfirmed``. 0: no deadline.
    public var confirmDeadlineMinutes: Int
    /// At the deadline, cancel a booking still not confirmed (with the usual notices).
    public var cancelUnconfirmed: Bool
    /// Calendar invites (iCalendar) on confirmation, reschedule and cancellation e-mails;
    /// an event type may override it.
    public var calendarInvites: Bool
    /// The provider account (of the channel workers' accounts files) each channel's
    /// messages go out with; nil: the workers' default account.
    public var emailAccount: String?
    public var smsAccount: String?
    public var whatsappAccount: String?
    public var updatedAt: Date

    public init(
        tenantID: String,
        emailEnabled: Bool = true,
        smsEnabled: Bool = false,
        whatsappEnabled: Bool = false,
        reminderOffsets: [Int] = [1440, 60],
        smsProvider: SMSProvider = .twilio,
        smsFailover: Bool = false,
        timeZone: String = "UTC",
        quietHours: QuietHours? = nil,
        followUpEnabled: Bool = false,
        followUpMinutes: Int = 120,
        senderName: String = "",
        replyToEmail: String? = nil,
        locale: String = "en-US",
        fallbackChannel: FallbackChannel? = nil,
        fallbackAfterMinutes: Int = 0,
        replyConfirmKeywords: [String] = [],
        replyCancelKeywords: [String] = [],
        customerLinks: Bool = false,
        askConfirmation: Bool = false,
        confirmDeadlineMinutes: Int = 0,
        cancelUnconfirmed: Bool = false,
        calendarInvites: Bool = true,
        emailAccount: String? = nil,
        smsAccount: String? = nil,
        whatsappAccount: String? = nil,
        updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.emailEnabled = emailEnabled
        self.smsEnabled = smsEnabled
        self.whatsappEnabled = whatsappEnabled
        self.reminderOffsets = reminderOffsets
        self.smsProvider = smsProvider
        self.smsFailover = smsFailover
        self.timeZone = timeZone
        self.quietHours = quietHours
        self.followUpEnabled = followUpEnabled
        self.followUpMinutes = followUpMinutes
        self.senderName = senderName
        self.replyToEmail = replyToEmail
        self.locale = locale
        self.fallbackChannel = fallbackChannel
        self.fallbackAfterMinutes = fallbackAfterMinutes
        self.replyConfirmKeywords = replyConfirmKeywords
        self.replyCancelKeywords = replyCancelKeywords
        self.customerLinks = customerLinks
        self.askConfirmation = askConfirmation
        self.confirmDeadlineMinutes = confirmDeadlineMinutes
        self.cancelUnconfirmed = cancelUnconfirmed
        self.calendarInvites = calendarInvites
        self.emailAccount = emailAccount
        self.smsAccount = smsAccount
        self.whatsappAccount = whatsappAccount
        self.updatedAt = updatedAt
    }

    /// The settings a new tenant starts with: email on, reminders a day and an hour before.
    public static func defaults(tenantID: String, timeZone: String = "UTC", now: Date) -> NotificationSettings {
        NotificationSettings(tenantID: tenantID, timeZone: timeZone, updatedAt: now)
    }
}

extension NotificationSettings {
    /// The account a job on `channel` of a booking of `eventType` names: the event
    /// type's choice, else the tenant's, else "" (the default account).
    public func account(for channel: String, eventType: EventType?) -> String {
        eventType?.account(for: channel).map(ProviderAccounts.jobAccount) ?? account(for: channel)
    }

    /// The account a job on `channel` names: the tenant's choice for e-mail, SMS or
    /// WhatsApp, "" (the default account) otherwise.
    public func account(for channel: String) -> String {
        switch channel {
        case "email": emailAccount ?? ""
        case "sms": smsAccount ?? ""
        case "whatsapp": whatsappAccount ?? ""
        default: ""
        }
    }
}

/// Where pending jobs go when a tenant or an event type chooses another provider
/// account: the channel, and the account jobs name before and after. Only jobs not
/// yet handed out move; a job in a worker's hands keeps the account it went out with.
enum AccountMove {
    static let channels = ["email", "sms", "whatsapp"]

    /// The column of `event_types` (and `notification_settings`) holding a channel's account.
    static func column(_ channel: String) -> String { channel + "_account" }

    /// A tenant's change: its jobs on the channel move, except those of bookings whose
    /// event type chose its own account there.
    static func moves(from old: NotificationSettings?, to new: NotificationSettings) -> [(channel: String, from: String, to: String)] {
        guard let old else { return [] }
        return channels.compactMap { channel in
            let (from, to) = (old.account(for: channel), new.account(for: channel))
            return from == to ? nil : (channel, from, to)
        }
    }

    /// An event type's change: the jobs of its bookings move.
    static func moves(
        from old: EventType?, to new: EventType, settings: NotificationSettings?
    ) -> [(channel: String, from: String, to: String)] {
        guard let old, let settings else { return [] }
        return channels.compactMap { channel in
            let (from, to) = (settings.account(for: channel, eventType: old), settings.account(for: channel, eventType: new))
            return from == to ? nil : (channel, from, to)
        }
    }
}
