import Foundation

/// A recipient a tenant must not message on a channel: they opted out (a STOP
/// reply, a provider's "unsubscribed" answer, an unsubscribe link) or were put on
/// the list by hand. Their messages are skipped at planning and at send time,
/// logged `skipped` with the reason "recipient opted out".
public struct Suppression: Sendable, Equatable, Codable {
    public var tenantID: String
    /// "email", "sms" or "whatsapp".
    public var channel: String
    /// An e-mail address (lower case) or an E.164 phone number.
    public var recipient: String
    public var scope: SuppressionScope
    /// Why, in words ("replied STOP", "Twilio 21610: Attempt to send to unsubscribed recipient").
    public var reason: String
    public var source: SuppressionSource
    public var createdAt: Date

    public init(
        tenantID: String, channel: String, recipient: String, scope: SuppressionScope = .all, reason: String,
        source: SuppressionSource, createdAt: Date
    ) {
        self.tenantID = tenantID
        self.channel = channel
        self.recipient = recipient
        self.scope = scope
        self.reason = reason
        self.source = source
        self.createdAt = createdAt
    }

    /// The channels a suppression can name: those that reach customers.
    public static let channels: Set<String> = ["email", "sms", "whatsapp"]

    /// What a message to a suppressed recipient is logged `skipped` with.
    public static let skipReason = "recipient opted out"

    /// Whether this suppression stops a message of `kind`.
    public func stops(_ kind: NotificationKind) -> Bool { scope.covers(kind) }
}

/// What a suppression stops.
public enum SuppressionScope: String, Sendable, Equatable, Codable, CaseIterable {
    /// Every message to the customer on that channel.
    case all
    /// Follow-ups only (an e-mail unsubscribe from follow-ups): confirmations and
    /// reminders still go.
    case followUps = "follow_up"

    /// Whether a message of `kind` to the customer falls under it (webhooks and team
    /// notes are not the customer's).
    public func covers(_ kind: NotificationKind) -> Bool {
        switch self {
        case .all: kind != .webhook && kind != .hostNotification
        case .followUps: kind == .followUp
        }
    }
}

/// Who put a recipient on the list.
public enum SuppressionSource: String, Sendable, Equatable, Codable, CaseIterable {
    /// The customer replied STOP (or a provider's opt-out keyword).
    case reply
    /// The provider answered that the recipient opted out (Twilio 21610, ...).
    case provider
    /// An operator, through the CLI or the gateway.
    case admin
    /// An unsubscribe link.
    case unsubscribe
}

/// Who a job goes to, as the suppression list names recipients.
public struct SuppressionKey: Hashable, Sendable {
    public var tenantID: String
    public var channel: String
    public var recipient: String

    public init(tenantID: String, channel: String, recipient: String) {
        self.tenantID = tenantID
        self.channel = channel
        self.recipient = recipient
    }

    public init(job: NotificationJob) {
        self.init(tenantID: job.tenantID, channel: job.channel, recipient: Self.listed(job.recipient, on: job.channel))
    }

    /// A recipient as the list keeps it: e-mail addresses in lower case.
    public static func listed(_ recipient: String, on channel: String) -> String {
        channel == "email" ? recipient.lowercased() : recipient
    }
}

extension Array where Element == Suppression {
    /// The entry that stops `job`, if any: same tenant, channel and recipient, and a
    /// scope that covers its kind.
    public func stopping(_ job: NotificationJob) -> Suppression? {
        let key = SuppressionKey(job: job)
        return first {
            $0.tenantID == key.tenantID && $0.channel == key.channel && $0.recipient == key.recipient && $0.stops(job.kind)
        }
    }
}

extension Suppression {
    /// The entry a customer message's "recipient gone" answer makes (Twilio 21610: the
    /// number replied STOP): nil for messages that are not the customer's (webhooks,
    /// team notes), whose "gone" disables their subscription or destination instead.
    public static func optedOut(
        _ job: NotificationJob, provider: String, error: String, at date: Date
    ) -> Suppression? {
        guard job.subscriptionID == nil, job.teamDestinationID == nil else { return nil }
        return optedOut(
            tenantID: job.tenantID, channel: job.channel, recipient: job.recipient, kind: job.kind,
            reason: "\(provider.isEmpty ? "the provider" : provider): \(error)", at: date)
    }

    /// The entry a provider's "opted out" answer about a message of `kind` to
    /// `recipient` makes: nil unless it is a customer message on a channel the list
    /// names. The entry covers `scope` whatever the message was: a marketing opt-out
    /// learnt from a reminder still lists follow-ups only.
    public static func optedOut(
        tenantID: String, channel: String, recipient: String, kind: NotificationKind,
        scope: SuppressionScope = .all, reason: String, at date: Date
    ) -> Suppression? {
        guard channels.contains(channel), SuppressionScope.all.covers(kind) else { return nil }
        return Suppression(
            tenantID: tenantID, channel: channel, recipient: SuppressionKey.listed(recipient, on: channel), scope: scope,
            reason: reason, source: .provider, createdAt: date)
    }
}
