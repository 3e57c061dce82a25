import Foundation
import HeraldChannelKit

/// Sends one WhatsApp message per delivery in the Cloud API's shape and maps
/// the Graph API's answer to an outcome.
struct WhatsAppPlugin: ConfiguredChannelPlugin, CallbackChannelPlugin {
    let channel = "whatsapp"
    let provider = "whatsapp-cloud"
    let version = "1.0.0"
    let configuration: Result<WhatsAppConfiguration, ChannelConfigurationError>
    let client = HTTPClient()

    /// Throttling codes: application and account rate limits, the Cloud API's
    /// throughput limit, spam rate limit, pair rate limit.
    static let rateLimitCodes: Set<Int> = [4, 80007, 130429, 131048, 131056]
    /// Re-engagement: more than 24 hours since the customer last wrote; only a
    /// template message may be sent, so trying the same again cannot help.
    static let outsideWindowCode = 131047

    func send(_ delivery: Herald_V1_Delivery, configuration: WhatsAppConfiguration) async -> Outcome {
        guard !delivery.recipient.phone.isEmpty else {
            return .failed(error: "the delivery has no phone number", code: "no_recipient")
        }
        guard case .message(let message) = delivery.content, !message.templateName.isEmpty || !message.textBody.isEmpty else {
            return .failed(error: "the delivery has neither a template nor text", code: "no_message")
        }
        let body = CloudAPIMessage(
            to: delivery.recipient.phone, message: message, defaultLanguage: WhatsAppConfiguration.defaultTemplateLanguage)
        let request = HTTPRequest(
            url: configuration.messagesURL,
            headers: [.bearerAuthorization(configuration.token), HTTPHeader("Content-Type", "application/json")],
            body: body.encoded())
        do {
            let response = try await client.send(request)
            return Self.outcome(for: response).redactingSecrets([configuration.token])
        } catch {
            return error.outcome
        }
    }

    func handleCallback(_ request: CallbackRequest) -> CallbackAnswer {
        guard case .success(let configuration) = configuration, let webhook = configuration.webhook else {
            return .rejected(status: 503, reason: "the channel's webhook is not configured")
        }
        return WhatsAppCallbacks.answer(request, appSecret: webhook.appSecret, verifyToken: webhook.verifyToken)
    }

    /// SENT with `messages[0].id`; rate limits and 5xx are RETRY; everything
    /// else, 131047 (outside the 24-hour window) included, is FAILED.
    static func outcome(for response: HTTPResponse) -> Outcome {
        if response.isSuccess {
            let accepted = try? JSONDecoder().decode(CloudAPIAccepted.self, from: response.body)
            return .sent(providerMessageID: accepted?.messages.first?.id)
        }
        let detail = (try? JSONDecoder().decode(CloudAPIError.self, from: response.body))?.error
        let code = detail?.code.map(String.init) ?? "http_\(response.status)"
        var text = detail?.message ?? "the Cloud API answered HTTP \(response.status): \(response.bodySnippet())"
        if let subcode = detail?.errorSubcode { text += " (subcode \(subcode))" }
        if let trace = detail?.fbtraceID { text += " [fbtrace_id \(trace)]" }
        if detail?.code == outsideWindowCode {
            return .failed(error: text, code: code)
        }
        if response.status == 429 || response.status >= 500 || detail?.code.map(rateLimitCodes.contains) == true {
            return .retry(error: text, code: code, after: response.retryAfter())
        }
        return .failed(error: text, code: code)
    }
}
