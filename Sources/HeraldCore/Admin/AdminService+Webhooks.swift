import Foundation
import HeraldProto

extension AdminService {
    public func addWebhook(_ request: Herald_V1_AddWebhookRequest) async throws(AdminError) -> Herald_V1_WebhookSubscription {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let url = validator.httpURL("url", request.url)
        let eventTypes = validator.webhookEventTypes("event_types", request.eventTypes)
        try validator.finish()
        guard let url, let eventTypes else { throw .invalidArgument(validator.violations) }

        let subscription = WebhookSubscription(
            id: Identifier.make(prefix: "wh"), tenantID: tenant.id, url: url,
            eventTypes: eventTypes, secret: Self.makeWebhookSecret(),
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

    public func setWebhookEnabled(
        _ request: Herald_V1_SetWebhookEnabledRequest
    ) async throws(AdminError) -> Herald_V1_WebhookSubscription {
        var subscription = try await requireWebhook(request.id)
        subscription.enabled = request.enabled
        subscription.disabledReason = request.enabled ? nil : "disabled by an admin"
        let reason = subscription.disabledReason
        try await storing { try await store.setWebhookEnabled(id: request.id, enabled: request.enabled, reason: reason) }
        logger.info("webhook \(request.enabled ? "enabled" : "disabled")", metadata: ["webhook": "\(request.id)"])
        return subscription.proto(revealingSecret: false)
    }

    public func rotateWebhookSecret(
        _ request: Herald_V1_RotateWebhookSecretRequest
    ) async throws(AdminError) -> Herald_V1_WebhookSubscription {
        var subscription = try await requireWebhook(request.id)
        subscription.secret = Self.makeWebhookSecret()
        let secret = subscription.secret
        try await storing { try await store.rotateWebhookSecret(id: request.id, secret: secret) }
        logger.info("webhook secret rotated", metadata: ["webhook": "\(request.id)"])
        return subscription.proto(revealingSecret: true)
    }

    /// Sends a signed `webhook.test` ping through `probe` (the dispatcher) and
    /// reports what the endpoint answered.
    public func testWebhook(
        _ request: Herald_V1_TestWebhookRequest,
        probe: @Sendable (Herald_V1_Delivery, Duration) async -> ProbeAnswer
    ) async throws(AdminError) -> Herald_V1_TestWebhookResponse {
        let subscription = try await requireWebhook(request.id)
        let deliveryID = Identifier.make(prefix: "test")
        let envelope: [String: Any] = [
            "type": "webhook.test",
            "timestamp": Timestamp.format(clock.now()),
            "data": ["subscription_id": subscription.id, "tenant_id": subscription.tenantID],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        let delivery = Herald_V1_Delivery.with {
            $0.deliveryID = deliveryID
            $0.attempt = 1
            $0.tenantID = subscription.tenantID
            $0.kind = .webhook
            $0.channel = "webhook"
            $0.webhook = .with { webhook in
                webhook.subscriptionID = subscription.id
                webhook.url = subscription.url
                webhook.secret = subscription.secret
                webhook.body = body
                webhook.eventType = "webhook.test"
            }
        }
        switch await probe(delivery, .seconds(30)) {
        case .answered(let result, let elapsed):
            return .with {
                $0.deliveryID = deliveryID
                $0.outcome = result.outcome
                $0.provider = result.provider
                $0.errorCode = result.errorCode
                $0.errorMessage = result.errorMessage
                $0.elapsedMs = UInt32(clamping: elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            }
        case .noWorker:
            throw .failedPrecondition("no herald-webhook worker is connected with free credit; start one and try again")
        case .workerLeft:
            throw AdminError(code: .unavailable, message: "the webhook worker left before answering; try again")
        case .timedOut:
            throw AdminError(code: .deadlineExceeded, message: "the webhook worker did not answer within 30 s")
        }
    }

    func requireWebhook(_ id: String) async throws(AdminError) -> WebhookSubscription {
        var validator = FieldValidator()
        _ = validator.identifier("id", id)
        try validator.finish()
        guard let subscription = try await storing({ try await store.webhook(id: id) }) else {
            throw .notFound(field: "id", "no webhook \"\(id)\"")
        }
        return subscription
    }

    /// A Standard Webhooks secret: "whsec_" and the base64 of 32 random bytes
    /// from the system's cryptographic generator.
    static func makeWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
