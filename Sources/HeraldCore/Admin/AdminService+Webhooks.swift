import Foundation
import HeraldProto

extension AdminService {
    public func addWebhook(_ request: Herald_V1_AddWebhookRequest) async throws(AdminError) -> Herald_V1_WebhookSubscription {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let url = validator.httpURL("url", request.url)
        let known = Set(BookingEventType.allCases.map(\.rawValue))
        for type in request.eventTypes where !known.contains(type) {
            validator.fail("event_types", "\"\(type)\" is not an event type (one of \(known.sorted().joined(separator: ", ")))")
        }
        try validator.finish()
        guard let url else { throw .invalidArgument(validator.violations) }

        let subscription = WebhookSubscription(
            id: Identifier.make(prefix: "wh"), tenantID: tenant.id, url: url,
            eventTypes: Array(Set(request.eventTypes)).sorted(), secret: Self.makeWebhookSecret(),
            enabled: true, disabledReason: nil, createdAt: clock.now())
        try await storing { try await store.createWebhook(subscription) }
        logger.info("webhook added", metadata: ["tenant": "\(tenant.id)", "webhook": "\(subscription.id)"])
        return subscription.proto(revealingSecret: true)
    }

    public func listWebhooks(_ request: Herald_V1_ListWebhooksRequest) async throws(AdminError) -> Herald_V1_ListWebhooksResponse {
        let tenant = try await requireTenant(request.tenantID)
        let webhooks = try await storing { try await store.webhooks(tenantID: tenant.id) }
        return .with { $0.webhooks = webhooks.map { $0.proto(revealingSecret: false) } }
    }

    public func removeWebhook(_ request: Herald_V1_RemoveWebhookRequest) async throws(AdminError) -> Herald_V1_RemoveWebhookResponse {
        var validator = FieldValidator()
        _ = validator.identifier("id", request.id)
        try validator.finish()
        guard try await storing({ try await store.webhook(id: request.id) }) != nil else {
            throw .notFound(field: "id", "no webhook \"\(request.id)\"")
        }
        try await storing { try await store.deleteWebhook(id: request.id) }
        logger.info("webhook removed", metadata: ["webhook": "\(request.id)"])
        return .init()
    }

    /// A Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes
    /// from the system's cryptographic generator.
    static func makeWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
