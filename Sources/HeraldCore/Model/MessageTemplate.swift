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
    /// `email`, `sms` or `whatsapp`.
    public var channel: String
    /// E-mail only: the subject line.
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

    /// The channels that carry rendered text (webhooks carry JSON built by the core).
    public static let channels = ["email", "sms", "whatsapp"]
    /// The kinds a template can be written for.
    public static let kinds: [NotificationKind] = NotificationKind.allCases.filter { $0 != .webhook }
}
