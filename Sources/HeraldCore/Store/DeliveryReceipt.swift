import Foundation

/// A provider's report on a message it accepted earlier, forwarded by the channel
/// that sent it (a `Receipt` of the channel protocol).
public struct DeliveryReceipt: Sendable, Equatable {
    /// The provider of the `sent` row it is about ("twilio").
    public var provider: String
    /// The provider's message id, as the `sent` row has it.
    public var providerMessageID: String
    /// The job it is about, when the provider echoes it (Vonage's `client-ref`): the
    /// row is found by this when no `sent` row has the message id (a message split
    /// into parts, whose Result carried every part's id).
    public var jobID: String?
    public var status: DeliveryStatus
    public var providerStatus: String?
    /// When the provider says it happened; nil when it does not say.
    public var occurredAt: Date?
    public var errorCode: String?
    public var error: String?
    /// When the core got it.
    public var receivedAt: Date
    /// The provider says the recipient opted out of these messages (all of them, or
    /// follow-ups only: WhatsApp's marketing opt-out): on the suppression list with it.
    public var optedOut: SuppressionScope?

    public init(
        provider: String, providerMessageID: String, jobID: String? = nil, status: DeliveryStatus,
        providerStatus: String? = nil, occurredAt: Date? = nil, errorCode: String? = nil, error: String? = nil,
        receivedAt: Date, optedOut: SuppressionScope? = nil
    ) {
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.jobID = jobID
        self.status = status
        self.providerStatus = providerStatus
        self.occurredAt = occurredAt
        self.errorCode = errorCode
        self.error = error
        self.receivedAt = receivedAt
        self.optedOut = optedOut
    }

    /// The suppression an opted-out receipt makes for the sent row `entry`, if it is a
    /// customer message.
    public func optedOut(_ entry: ReminderLogEntry) -> Suppression? {
        guard let optedOut, status == .undelivered else { return nil }
        let detail = [errorCode, error].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        return Suppression.optedOut(
            tenantID: entry.tenantID, channel: entry.channel, recipient: entry.recipient, kind: entry.kind,
            scope: optedOut, reason: "\(provider): " + (detail.isEmpty ? "opted out" : detail), at: receivedAt)
    }

    /// The state this receipt leads to from `current`, or why it changes nothing:
    /// states only move forward (see ``DeliveryStatus``), so a repeated or late
    /// receipt is `unchanged`. The one rule for every store.
    public func judged(against current: DeliveryState?) -> Judgement {
        if let current, status <= current.status {
            return .unchanged(reason: status == current.status
                ? "already \(current.status.rawValue)" : "\(status.rawValue) after \(current.status.rawValue)")
        }
        return .advance(DeliveryState(
            status: status, at: occurredAt ?? receivedAt, providerStatus: providerStatus,
            errorCode: status == .undelivered ? errorCode : nil, error: status == .undelivered ? error : nil,
            updatedAt: receivedAt))
    }

    public enum Judgement: Sendable, Equatable {
        case advance(DeliveryState)
        case unchanged(reason: String)
    }
}

/// What ``DispatchStore/applyReceipts(_:)`` did with one receipt.
public enum ReceiptDisposition: Sendable, Equatable {
    /// The `sent` row it is about, with its new ``ReminderLogEntry/delivery``.
    case updated(ReminderLogEntry)
    /// The row's state is already as far or further (a duplicate or a late receipt).
    case unchanged(reason: String)
    /// No `sent` row of that provider has that message id.
    case unknown
}
