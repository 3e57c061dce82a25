import Foundation

/// How far a sent message got after its provider accepted it, as the provider
/// reported it later (a status callback, a delivery receipt, a status webhook).
///
/// States only move forward, in this order: a receipt for a state at or before
/// the stored one changes nothing, so duplicates are harmless and receipts that
/// arrive out of order end in the furthest state. `undelivered` sits below
/// `delivered`: a provider that reported both has the message on the handset.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable, Comparable {
    /// On its way: queued, accepted, sent to the carrier, buffered.
    case sent
    /// It will not arrive: undelivered, failed, expired, rejected.
    case undelivered
    /// The handset or the app has it.
    case delivered
    /// The recipient opened it (WhatsApp).
    case read

    private var rank: Int {
        switch self {
        case .sent: 0
        case .undelivered: 1
        case .delivered: 2
        case .read: 3
        }
    }

    public static func < (lhs: DeliveryStatus, rhs: DeliveryStatus) -> Bool { lhs.rank < rhs.rank }
}

/// The newest delivery status of one sent notification (of its `sent` ReminderLog row).
public struct DeliveryState: Sendable, Equatable, Codable {
    public var status: DeliveryStatus
    /// When the provider says it happened (when Herald heard of it, if the provider does not say).
    public var at: Date
    /// The provider's own word ("undelivered", "expired", "read").
    public var providerStatus: String?
    /// The provider's error code and text, for `undelivered`.
    public var errorCode: String?
    public var error: String?
    /// When Herald stored it.
    public var updatedAt: Date

    public init(
        status: DeliveryStatus, at: Date, providerStatus: String? = nil, errorCode: String? = nil,
        error: String? = nil, updatedAt: Date
    ) {
        self.status = status
        self.at = at
        self.providerStatus = providerStatus
        self.errorCode = errorCode
        self.error = error
        self.updatedAt = updatedAt
    }
}
