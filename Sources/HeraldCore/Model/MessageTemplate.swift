import Foundation

/// A tenant's own wording for one kind of notification on one channel, in
/// Mustache; it replaces Herald's default for that pair (see ``DefaultTemplates``).
///
/// Only the template text is stored: it is validated (parsed, every variable
/// known) when set, so a broken template is refused then rather than at send
/// time, and rendered by ``MessageRenderer`` when a delivery is handed out.
public struct MessageTemplate: Sendable, Equatable, Codable {
    public var tenantID: String
    public var kind: NotificationKind
    /// `email`, `sms`, `whatsapp` or a custom channel (for `host_notification`).
    public var channel: String
    /// E-mail and custom channels: the subject line.
    public var subject: String?
    /// Plain text: the e-mail's text part, the SMS, the WhatsApp text.
    public var body: String
    /// E-mail only: the HTML part; nil derives it from `body`.
    public var htmlBody: String?
    public var updatedAt: Date

    public init(
        tenantID: String, kind: NotificationKind, channel: String, subject: String? = nil, body: String,
        htmlBody: String? = nil, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.kind = kind
        self.channel = channel
        self.subject = subject
        self.body = body
        self.htmlBody = htmlBody
        self.updatedAt = updatedAt
    }

    /// The built-in channels that carry rendered text (webhooks carry JSON built by
    /// the core). Custom channels carry text too: see ``DefaultTemplates``.
    public static let channels = ["email", "sms", "whatsapp"]

    /// Whether messages on `channel` have a subject: e-mail and custom channels
    /// do, SMS and WhatsApp do not.
    public static func hasSubject(_ channel: String) -> Bool {
        channel != "sms" && channel != "whatsapp"
    }
    /// The kinds a template can be written for.
    public static let kinds: [NotificationKind] = NotificationKind.allCases.filter { $0 != .webhook }
}
