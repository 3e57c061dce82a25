import Foundation

/// An endpoint that receives booking events as signed JSON.
public struct WebhookSubscription: Sendable, Equatable, Codable {
    public var id: String
    public var tenantID: String
    public var url: String
    /// Event type names (`booking.created`, ...) to deliver; empty means all.
    public var eventTypes: [String]
    /// The signing secret, `whsec_...`.
    public var secret: String
    public var enabled: Bool
    /// Why the subscription was disabled (for example after repeated failures).
    public var disabledReason: String?
    public var createdAt: Date

    public init(
        id: String,
        tenantID: String,
        url: String,
        eventTypes: [String] = [],
        secret: String,
        enabled: Bool = true,
        disabledReason: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.eventTypes = eventTypes
        self.secret = secret
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.createdAt = createdAt
    }

    /// Whether an event of this type should be delivered to the subscription.
    public func wants(_ type: BookingEventType) -> Bool {
        wants(eventType: type.rawValue)
    }
}
