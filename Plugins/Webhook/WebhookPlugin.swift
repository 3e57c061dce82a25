import Foundation
import HeraldChannelKit

/// What the channel reads from its environment: the addresses that may be
/// called although they are not public.
struct WebhookConfiguration: AllowListConfiguration {
    static let allowVariable = "HERALD_WEBHOOK_ALLOW"
    var allowList: AddressAllowList
}

/// Posts each webhook delivery, signed the Standard Webhooks way, to the
/// subscriber's URL, after checking that the URL leads to a public address.
struct WebhookPlugin: ConfiguredChannelPlugin {
    /// How long a subscriber has to answer.
    static let timeout: Duration = .seconds(15)

    let channel = "webhook"
    let provider = "http"
    let version = "1.0.0"
    let configuration: Result<WebhookConfiguration, ChannelConfigurationError>
    let client = HTTPClient()

    func send(_ delivery: Herald_V1_Delivery, configuration: WebhookConfiguration) async -> Outcome {
        guard case .webhook(let webhook) = delivery.content else {
            return .failed(error: "the delivery has no webhook request", code: "no_webhook")
        }
        let signer: StandardWebhookSigner
        do {
            signer = try StandardWebhookSigner(secret: webhook.secret)
        } catch {
            return .failed(error: error.description, code: "invalid_secret")
        }

        let target: TargetGuard.Target
        switch await TargetGuard(allowList: configuration.allowList).check(webhook.url) {
        case .success(let checked):
            target = checked
        case .failure(let refusal):
            return refusal.outcome(target: "webhook", allowVariable: WebhookConfiguration.allowVariable)
        }

        // The id is the delivery's, the same on every attempt, so the
        // subscriber can drop a repeat it has already handled.
        let timestamp = Int64(Date().timeIntervalSince1970)
        let request = HTTPRequest(
            url: webhook.url,
            headers: [HTTPHeader("Content-Type", "application/json")]
                + signer.headers(id: delivery.deliveryID, timestamp: timestamp, body: webhook.body),
            body: webhook.body,
            timeout: Self.timeout,
            pinnedAddresses: target.addresses,
            allowsProxy: false,
            maximumResponseBytes: 64 * 1024)
        do {
            let response = try await client.send(request)
            return Self.outcome(for: response, deliveryID: delivery.deliveryID)
        } catch {
            return error.outcome
        }
    }

    /// 2xx is SENT; 410 Gone means the subscriber wants no more (the core
    /// disables the subscription); 408, 429 and 5xx are RETRY; every other
    /// status, redirects included (they are not followed), is FAILED.
    static func outcome(for response: HTTPResponse, deliveryID: String) -> Outcome {
        let status = response.status
        let code = String(status)
        let answer = "the endpoint answered HTTP \(status)"
        switch status {
        case 200..<300:
            return .sent(providerMessageID: deliveryID)
        case 410:
            return .recipientGone(error: "\(answer) Gone; the subscription is to be disabled", code: code)
        case 408, 429, 500...:
            return .retry(error: answer + snippet(response), code: code, after: response.retryAfter())
        case 300..<400:
            return .failed(error: "\(answer), a redirect, which webhooks do not follow", code: code)
        default:
            return .failed(error: answer + snippet(response), code: code)
        }
    }

    private static func snippet(_ response: HTTPResponse) -> String {
        response.body.isEmpty ? "" : ": " + response.bodySnippet(limit: 120)
    }
}
