import Foundation
import HeraldChannelKit

/// Sends one SMS per delivery with Twilio's Messages API and maps Twilio's
/// answer to an outcome.
///
/// Twilio has no idempotency key, so a message whose result is lost may be
/// sent twice; the core's at-most-once `sent` in the ReminderLog and its
/// leases keep that window to a crash between Twilio's 201 and the result.
struct TwilioPlugin: ConfiguredChannelPlugin, CallbackChannelPlugin {
    let channel = "sms"
    let provider = "twilio"
    let version = "1.0.0"
    let configuration: Result<TwilioConfiguration, ChannelConfigurationError>
    let client = HTTPClient()

    func send(_ delivery: Herald_V1_Delivery, configuration: TwilioConfiguration) async -> Outcome {
        let phone = delivery.recipient.phone
        guard !phone.isEmpty else { return .failed(error: "the delivery has no phone number", code: "no_recipient") }
        guard case .message(let message) = delivery.content, !message.textBody.isEmpty else {
            return .failed(error: "the delivery has no text to send", code: "no_message")
        }
        var fields: [(name: String, value: String)] = [("To", phone)]
        switch configuration.sender {
        case .phoneNumber(let number): fields.append(("From", number))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        fields.append(("Body", message.textBody))
        if let statusCallback = configuration.statusCallbackURL { fields.append(("StatusCallback", statusCallback)) }
        let request = HTTPRequest(
            url: configuration.messagesURL,
            headers: [
                .basicAuthorization(user: configuration.credentials.user, password: configuration.credentials.password),
                FormEncoding.contentType,
                HTTPHeader("Accept", "application/json"),
            ],
            body: Data(FormEncoding.encode(fields).utf8))
        do {
            let response = try await client.send(request)
            return Self.outcome(for: response).redactingSecrets(configuration.secrets)
        } catch {
            return error.outcome
        }
    }

    func handleCallback(_ request: CallbackRequest) -> CallbackAnswer {
        guard case .success(let configuration) = configuration else {
            return .rejected(status: 503, reason: "the channel is not configured")
        }
        // Callbacks come only where --callback-url was given, which makes the token required.
        guard let authToken = configuration.authToken else {
            return .rejected(status: 503, reason: "the channel has no auth token to check callbacks with")
        }
        return TwilioCallbacks.answer(request, authToken: authToken)
    }

    /// "Attempt to send to unsubscribed recipient".
    static let unsubscribedRecipient = 21610

    /// Twilio's answer as an outcome: 201 with the message's `sid`; 429,
    /// 20429 and 5xx are worth another try; every other error is permanent.
    static func outcome(for response: HTTPResponse) -> Outcome {
        if response.isSuccess {
            let created = try? JSONDecoder().decode(CreatedMessage.self, from: response.body)
            return .sent(providerMessageID: created?.sid)
        }
        let error = try? JSONDecoder().decode(TwilioError.self, from: response.body)
        let code = error?.code.map(String.init) ?? "http_\(response.status)"
        var text = error?.message ?? "Twilio answered HTTP \(response.status): \(response.bodySnippet())"
        if let moreInfo = error?.moreInfo, !moreInfo.isEmpty { text += " (\(moreInfo))" }
        if response.status == 429 || error?.code == 20429 || response.status >= 500 {
            return .retry(error: text, code: code, after: response.retryAfter())
        }
        // 21610: the number replied STOP to this sender; the core puts it on the
        // tenant's suppression list.
        if error?.code == unsubscribedRecipient { return .recipientGone(error: text, code: code) }
        return .failed(error: text, code: code)
    }
}

/// The part of a created Message resource Herald keeps.
struct CreatedMessage: Decodable {
    var sid: String?
}

/// Twilio's error body: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
struct TwilioError: Decodable {
    var code: Int?
    var message: String?
    var moreInfo: String?
    var status: Int?

    enum CodingKeys: String, CodingKey {
        case code, message, status
        case moreInfo = "more_info"
    }
}
