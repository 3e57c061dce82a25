import Foundation
import HeraldChannelKit

/// Sends one SMS per delivery with Vonage's SMS API and maps its answer to an
/// outcome. Vonage answers HTTP 200 whatever happened; the verdict is in the
/// `status` of each message part.
struct VonagePlugin: ConfiguredChannelPlugin, CallbackChannelPlugin {
    let channel = "sms"
    let provider = "vonage"
    let version = "1.0.0"
    let configuration: Result<VonageConfiguration, ChannelConfigurationError>
    let client = HTTPClient()

    /// Throttled, internal error, too many existing binds: transient.
    static let retryableStatuses: Set<String> = ["1", "5", "10"]

    func send(_ delivery: Herald_V1_Delivery, configuration: VonageConfiguration) async -> Outcome {
        let to = String(delivery.recipient.phone.filter { ("0"..."9").contains($0) })
        guard !to.isEmpty else { return .failed(error: "the delivery has no phone number", code: "no_recipient") }
        guard case .message(let message) = delivery.content, !message.textBody.isEmpty else {
            return .failed(error: "the delivery has no text to send", code: "no_message")
        }
        let text = GSM7.normalizingSpaces(message.textBody)
        var fields: [(name: String, value: String)] = [
            ("api_key", configuration.apiKey),
            ("api_secret", configuration.apiSecret),
            ("from", configuration.sender),
            ("to", to),
            ("text", text),
        ]
        if !GSM7.canEncode(text) { fields.append(("type", "unicode")) }
        // Vonage echoes it in delivery receipts: the stable id ties them to the job.
        fields.append(("client-ref", delivery.deliveryID))
        if let receiptURL = configuration.receiptURL { fields.append(("callback", receiptURL)) }
        let request = HTTPRequest(
            url: configuration.smsURL,
            headers: [FormEncoding.contentType, HTTPHeader("Accept", "application/json")],
            body: Data(FormEncoding.encode(fields).utf8))
        do {
            let response = try await client.send(request)
            return Self.outcome(for: response).redactingSecrets([configuration.apiSecret])
        } catch {
            return error.outcome
        }
    }

    func handleCallback(_ request: CallbackRequest) -> CallbackAnswer {
        guard case .success(let configuration) = configuration else {
            return .rejected(status: 503, reason: "the channel is not configured")
        }
        return VonageCallbacks.answer(request, configuration: configuration)
    }

    /// SENT only when every part has status "0"; a permanent status anywhere
    /// fails it; otherwise (1, 5, 10) it is worth another try.
    static func outcome(for response: HTTPResponse) -> Outcome {
        guard response.status == 200 else {
            let text = "Vonage answered HTTP \(response.status): \(response.bodySnippet())"
            if response.status == 429 || response.status >= 500 {
                return .retry(error: text, code: "http_\(response.status)", after: response.retryAfter())
            }
            return .failed(error: text, code: "http_\(response.status)")
        }
        guard let answer = try? JSONDecoder().decode(VonageResponse.self, from: response.body), !answer.messages.isEmpty else {
            // 200 without a readable verdict: it may have gone out, but Herald cannot say so.
            return .retry(error: "Vonage answered 200 without messages: \(response.bodySnippet())", code: "unreadable_response")
        }
        let failures = answer.messages.filter { $0.status != "0" }
        guard let first = failures.first(where: { !retryableStatuses.contains($0.status) }) ?? failures.first else {
            return .sent(providerMessageID: answer.messages.compactMap(\.messageID).joined(separator: ","))
        }
        let text = first.errorText ?? "Vonage status \(first.status)"
        return retryableStatuses.contains(first.status)
            ? .retry(error: text, code: first.status, after: response.retryAfter())
            : .failed(error: text, code: first.status)
    }
}

/// `{"message-count": "1", "messages": [{"status": "0", "message-id": "...", "error-text": ...}]}`.
struct VonageResponse: Decodable {
    struct Part: Decodable {
        var status: String
        var messageID: String?
        var errorText: String?

        enum CodingKeys: String, CodingKey {
            case status
            case messageID = "message-id"
            case errorText = "error-text"
        }
    }

    var messages: [Part]
}
