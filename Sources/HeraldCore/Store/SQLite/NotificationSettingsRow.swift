import Foundation
import GRDB

/// A row of `notification_settings`: quiet hours are two columns, both set or both NULL;
/// the reminder offsets are a JSON array.
struct NotificationSettingsRow: ModelRow, PersistableRecord {
    static let databaseTableName = "notification_settings"

    var tenantID: String
    var emailEnabled: Bool
    var smsEnabled: Bool
    var whatsappEnabled: Bool
    var reminderOffsets: [Int]
    var smsProvider: SMSProvider
    var smsFailover: Bool
    var timeZone: String
    var quietStartMinute: Int?
    var quietEndMinute: Int?
    var followUpEnabled: Bool
    var followUpMinutes: Int
    var senderName: String
    var replyToEmail: String?
    var locale: String
    var fallbackChannel: String?
    var fallbackAfterMinutes: Int
    var replyConfirmKeywords: [String]
    var replyCancelKeywords: [String]
    var customerLinks: Bool
    var askConfirmation: Bool
    var confirmDeadlineMinutes: Int
    var cancelUnconfirmed: Bool
    var calendarInvites: Bool
    var emailAccount: String?
    var smsAccount: String?
    var whatsappAccount: String?
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenant_id"
        case emailEnabled = "email_enabled"
        case smsEnabled = "sms_enabled"
        case whatsappEnabled = "whatsapp_enabled"
        case reminderOffsets = "reminder_offsets"
        case smsProvider = "sms_provider"
        case smsFailover = "sms_failover"
        case timeZone = "time_zone"
        case quietStartMinute = "quiet_start_minute"
        case quietEndMinute = "quiet_end_minute"
        case followUpEnabled = "follow_up_enabled"
        case followUpMinutes = "follow_up_minutes"
        case senderName = "sender_name"
        case replyToEmail = "reply_to_email"
        case locale
        case fallbackChannel = "fallback_channel"
        case fallbackAfterMinutes = "fallback_after_minutes"
        case replyConfirmKeywords = "reply_confirm_keywords"
        case replyCancelKeywords = "reply_cancel_keywords"
        case customerLinks = "customer_links"
        case askConfirmation = "ask_confirmation"
        case confirmDeadlineMinutes = "confirm_deadline_minutes"
        case cancelUnconfirmed = "cancel_unconfirmed"
        case calendarInvites = "calendar_invites"
        case emailAccount = "email_account"
        case smsAccount = "sms_account"
        case whatsappAccount = "whatsapp_account"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let tenantID = Column(CodingKeys.tenantID)
    }

    init(_ settings: NotificationSettings) {
        tenantID = settings.tenantID
        emailEnabled = settings.emailEnabled
        smsEnabled = settings.smsEnabled
        whatsappEnabled = settings.whatsappEnabled
        reminderOffsets = settings.reminderOffsets
        smsProvider = settings.smsProvider
        smsFailover = settings.smsFailover
        timeZone = settings.timeZone
        quietStartMinute = settings.quietHours?.startMinute
        quietEndMinute = settings.quietHours?.endMinute
        followUpEnabled = settings.followUpEnabled
        followUpMinutes = settings.followUpMinutes
        senderName = settings.senderName
        replyToEmail = settings.replyToEmail
        locale = settings.locale
        fallbackChannel = settings.fallbackChannel?.rawValue
        fallbackAfterMinutes = settings.fallbackAfterMinutes
        replyConfirmKeywords = settings.replyConfirmKeywords
        replyCancelKeywords = settings.replyCancelKeywords
        customerLinks = settings.customerLinks
        askConfirmation = settings.askConfirmation
        confirmDeadlineMinutes = settings.confirmDeadlineMinutes
        cancelUnconfirmed = settings.cancelUnconfirmed
        calendarInvites = settings.calendarInvites
        emailAccount = settings.emailAccount
        smsAccount = settings.smsAccount
        whatsappAccount = settings.whatsappAccount
        updatedAt = settings.updatedAt
    }

    var model: NotificationSettings {
        var quietHours: QuietHours?
        if let quietStartMinute, let quietEndMinute {
            quietHours = QuietHours(startMinute: quietStartMinute, endMinute: quietEndMinute)
        }
        return NotificationSettings(
            tenantID: tenantID, emailEnabled: emailEnabled, smsEnabled: smsEnabled, whatsappEnabled: whatsappEnabled,
            reminderOffsets: reminderOffsets, smsProvider: smsProvider, smsFailover: smsFailover, timeZone: timeZone,
            quietHours: quietHours, followUpEnabled: followUpEnabled, followUpMinutes: followUpMinutes,
            senderName: senderName, replyToEmail: replyToEmail, locale: locale,
            fallbackChannel: fallbackChannel.flatMap(FallbackChannel.init(rawValue:)),
            fallbackAfterMinutes: fallbackAfterMinutes, replyConfirmKeywords: replyConfirmKeywords,
            replyCancelKeywords: replyCancelKeywords, customerLinks: customerLinks,
            askConfirmation: askConfirmation, confirmDeadlineMinutes: confirmDeadlineMinutes,
            cancelUnconfirmed: cancelUnconfirmed, calendarInvites: calendarInvites, emailAccount: emailAccount,
            smsAccount: smsAccount, whatsappAccount: whatsappAccount, updatedAt: updatedAt)
    }
}

extension NotificationSettings: StoredInTable {
    typealias Row = NotificationSettingsRow
}

extension NotificationSettingsRow {
    /// The tenant's settings, through a cached statement (every booking write reads them).
    static func find(tenantID: String) -> SQLRequest<NotificationSettingsRow> {
        SQLRequest(literal: "SELECT * FROM \(self) WHERE \(CodingKeys.tenantID) = \(tenantID)", cached: true)
    }
}
