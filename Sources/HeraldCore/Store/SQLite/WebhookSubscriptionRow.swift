import Foundation
import GRDB

/// A row of `webhook_subscriptions`; `event_types` is a JSON array.
struct WebhookSubscriptionRow: ModelRow, PersistableRecord {
    static let databaseTableName = "webhook_subscriptions"

    var id: String
    var tenantID: String
    var url: String
    var eventTypes: [String]
    var secret: String
    var enabled: Bool
    var disabledReason: String?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case tenantID = "tenant_id"
        case url
        case eventTypes = "event_types"
        case secret
        case enabled
        case disabledReason = "disabled_reason"
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let tenantID = Column(CodingKeys.tenantID)
        static let url = Column(CodingKeys.url)
        static let eventTypes = Column(CodingKeys.eventTypes)
        static let secret = Column(CodingKeys.secret)
        static let enabled = Column(CodingKeys.enabled)
        static let disabledReason = Column(CodingKeys.disabledReason)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ subscription: WebhookSubscription) {
        id = subscription.id
        tenantID = subscription.tenantID
        url = subscription.url
        eventTypes = subscription.eventTypes
        secret = subscription.secret
        enabled = subscription.enabled
        disabledReason = subscription.disabledReason
        createdAt = subscription.createdAt
    }

    var model: WebhookSubscription {
        WebhookSubscription(
            id: id, tenantID: tenantID, url: url, eventTypes: eventTypes, secret: secret, enabled: enabled,
            disabledReason: disabledReason, createdAt: createdAt)
    }
}

extension WebhookSubscription: StoredInTable {
    typealias Row = WebhookSubscriptionRow
}
