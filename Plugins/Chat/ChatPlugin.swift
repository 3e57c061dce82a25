import Foundation
import HeraldChannelKit

/// What the channel reads from its environment: the addresses that may be
/// called although they are not public.
struct ChatConfiguration: AllowListConfiguration {
    static let allowVariable = "HERALD_CHAT_ALLOW"
    var allowList: AddressAllowList
}

/// Posts each message to a chat service's incoming webhook (Slack, Mattermost,
/// Rocket.Chat, Discord's Slack-compatible `.../slack` URL): one
/// `POST {"text": ...}` to the recipient URL, after checking that the URL
/// leads to a public address.
///
/// Herald routes team notes here: `herald team add TENANT --channel chat --to URL`.
struct ChatPlugin: ConfiguredChannelPlugin {
    /// How long the chat service has to answer.
    static let timeout: Duration = .seconds(15)

    let channel = "chat"
    let provider = "http"
    let version = "1.0.0"
    let configuration: Result<ChatConfiguration, ChannelConfigurationError>
    let client = HTTPClient()

    func send(_ delivery: Herald_V1_Delivery, configuration: ChatConfiguration) async -> Outcome {
        guard case .message(let message) = delivery.content, !message.textBody.isEmpty else {
            return .failed(error: "the delivery has no text to post", code: "no_message")
        }
        let url = delivery.recipient.address
        guard !url.isEmpty else {
            return .failed(error: "the delivery has no webhook URL", code: "no_recipient")
        }

        // The URL comes from a tenant: call only public addresses, and pin the
        // connection to the ones checked.
        let target: TargetGuard.Target
        switch await TargetGuard(allowList: configuration.allowList).check(url) {
        case .success(let checked):
            target = checked
        case .failure(let refusal):
            // RETRY when the host did not resolve, FAILED "target_refused" otherwise.
            return refusal.outcome(target: "chat", allowVariable: ChatConfiguration.allowVariable)
        }

        let request = HTTPRequest(
            url: url,
            headers: [
                HTTPHeader("Content-Type", "application/json"),
                // The same on every attempt. Chat webhooks have no idempotency key
                // of their own; a service that honours this header drops a repeat.
                HTTPHeader("Idempotency-Key", delivery.deliveryID),
            ],
            body: Self.body(text: message.textBody),
            timeout: Self.timeout,
            pinnedAddresses: target.addresses,
            allowsProxy: false,
            maximumResponseBytes: 64 * 1024)
        do {
            return Self.outcome(for: try await client.send(request))
        } catch {
            return error.outcome
        }
    }

    /// `{"text": "..."}`, which Slack, Mattermost and Rocket.Chat take as is.
    static func body(text: String) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(["text": text])) ?? Data()
    }

    /// 2xx is SENT. 404 and 410 mean the webhook was deleted (the room archived,
    /// the integration removed): FAILED with recipient gone, and the core disables
    /// the team destination. 408, 429 and 5xx are RETRY, not before Retry-After.
    /// Every other status, redirects included (they are not followed), is FAILED.
    static func outcome(for response: HTTPResponse) -> Outcome {
        let status = response.status
        let code = String(status)
        let answer = "the chat service answered HTTP \(status)"
        let detail = response.body.isEmpty ? "" : ": " + response.bodySnippet(limit: 120)
        switch status {
        case 200..<300:
            return .sent()
        case 404, 410:
            return .recipientGone(error: "\(answer); the webhook is gone" + detail, code: code)
        case 408, 429, 500...:
            return .retry(error: answer + detail, code: code, after: response.retryAfter())
        case 300..<400:
            return .failed(error: "\(answer), a redirect, which is not followed", code: code)
        default:
            return .failed(error: answer + detail, code: code)
        }
    }
}
