import Foundation

/// The webhook deliveries of a delivery status a provider reported: one job per
/// enabled subscription of the row's tenant that asked for the event's type
/// (`delivery.undelivered`, `delivery.delivered`, `delivery.read`; "sent" is
/// not an event), due at once, with the body fixed now.
///
/// The event id is derived from the row and the status, so the same status
/// reported twice can never make a second `sent` webhook row (the log keeps one
/// per notification), and a retried turn cannot either.
public enum DeliveryWebhooks {
    public static func jobs(
        for entry: ReminderLogEntry, subscriptions: [WebhookSubscription], now: Date
    ) -> [NotificationJob] {
        guard let delivery = entry.delivery, let type = delivery.status.eventType, let logID = entry.id else { return [] }
        let wanting = subscriptions.filter { $0.tenantID == entry.tenantID && $0.wants(eventType: type) }
        // The body costs most of a receipt's work: only for someone who wants it.
        guard !wanting.isEmpty else { return [] }
        let eventID = "dlv_\(logID)_\(delivery.status.rawValue)"
        let body = String(decoding: WebhookPayload.body(forDelivery: entry, type: type, eventID: eventID), as: UTF8.self)
        return wanting
            .map { subscription in
                NotificationJob(
                    id: Identifier.make(prefix: "job"), tenantID: entry.tenantID, bookingID: entry.bookingID,
                    kind: .webhook, channel: "webhook", recipient: subscription.url,
                    scheduleVersion: entry.scheduleVersion, eventID: eventID, subscriptionID: subscription.id,
                    dueAt: now, status: .pending, attempt: 0, createdAt: now, updatedAt: now, payload: body)
            }
    }
}

extension DeliveryStatus {
    /// The event a change to this status is published as; nil for `sent`, which the
    /// send's own `delivery.sent` already told.
    public var eventType: String? {
        self == .sent ? nil : "delivery." + rawValue
    }

    /// Every event type a delivery status change can have.
    public static let eventTypes: [String] = allCases.compactMap(\.eventType)
}

extension WebhookSubscription {
    /// Whether an event of this type (a booking event's or a delivery status's) is for it.
    public func wants(eventType: String) -> Bool {
        enabled && (eventTypes.isEmpty || eventTypes.contains(eventType))
    }
}
