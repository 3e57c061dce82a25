import Foundation
import HeraldChannelKit

/// The WhatsApp Cloud API's webhook: Meta's GET subscription handshake, and POSTs
/// signed with `X-Hub-Signature-256` whose `entry[].changes[].value.statuses[]`
/// say how far each message got.
enum WhatsAppCallbacks {
    static let webhookPath = "/webhook"
    static let provider = "whatsapp-cloud"

    static func answer(_ request: CallbackRequest, appSecret: String, verifyToken: String) -> CallbackAnswer {
        guard request.path == webhookPath else {
            return .rejected(status: 404, reason: "no such callback: \(request.path)")
        }
        switch request.method {
        case "GET":
            return handshake(request.queryParameters, verifyToken: verifyToken)
        case "POST":
            guard WhatsAppSignature.isValid(request.header("X-Hub-Signature-256"), appSecret: appSecret, body: request.body) else {
                return .forbidden(reason: request.header("X-Hub-Signature-256") == nil
                    ? "no X-Hub-Signature-256" : "X-Hub-Signature-256 does not match")
            }
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: request.body) else {
                return .rejected(status: 400, reason: "a webhook body that is not Meta's envelope")
            }
            let values = envelope.entry.flatMap(\.changes).map(\.value)
            let receipts = values.flatMap { $0.statuses ?? [] }.compactMap(receipt)
            let inbound = values.flatMap { $0.messages ?? [] }.compactMap(message)
            return receipts.isEmpty && inbound.isEmpty ? .respond(status: 200) : .report(receipts: receipts, inbound: inbound)
        default:
            return .rejected(status: 405, reason: "the webhook takes GET and POST")
        }
    }

    /// Meta's verification: `hub.mode=subscribe` with the configured token is answered
    /// with `hub.challenge`; anything else is refused.
    static func handshake(_ query: [(name: String, value: String)], verifyToken: String) -> CallbackAnswer {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        guard value("hub.mode") == "subscribe", let token = value("hub.verify_token"),
              constantTimeEqual(token, verifyToken), let challenge = value("hub.challenge")
        else {
            return .forbidden(reason: "a subscription handshake without this webhook's verify token")
        }
        return .respond(status: 200, body: challenge)
    }

    static func receipt(_ status: Status) -> Herald_V1_Receipt? {
        let state: Herald_V1_DeliveryStatus
        switch status.status.lowercased() {
        case "sent": state = .sent
        case "delivered": state = .delivered
        case "read": state = .read
        case "failed": state = .undelivered
        default: return nil // "deleted", "warning", and statuses Meta adds later
        }
        let error = status.errors?.first
        let text = [error?.title, error?.message, error?.errorData?.details]
            .compactMap { $0 }.filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            .joined(separator: ": ")
        var receipt = Herald_V1_Receipt(
            provider: provider, messageID: status.id, status: state, providerStatus: status.status,
            occurredAt: status.timestamp.flatMap(TimeInterval.init).map { Date(timeIntervalSince1970: $0) },
            errorCode: state == .undelivered ? (error?.code.map(String.init) ?? "") : "",
            errorMessage: state == .undelivered ? text : "")
        // 131050: the user stopped marketing messages from this business. Utility
        // templates (confirmations, reminders) still reach them, so the core lists
        // the number for follow-ups only.
        if state == .undelivered, error?.code == marketingOptOut {
            receipt.recipientGone = true
            receipt.followUpsOnly = true
        }
        return receipt
    }

    /// Meta's error code for a recipient who stopped marketing messages.
    static let marketingOptOut = 131050

    /// A customer's text message (other types: images, buttons, ... are not read).
    static func message(_ message: Message) -> Herald_V1_InboundMessage? {
        guard message.type == "text", let body = message.text?.body, !message.from.isEmpty else { return nil }
        return .with {
            $0.provider = provider
            $0.providerMessageID = message.id
            $0.from = "+" + message.from.filter(\.isNumber)
            $0.text = body
            if let seconds = message.timestamp.flatMap(Int64.init) { $0.receivedAtMs = seconds * 1000 }
        }
    }

    // Meta's envelope, only what Herald reads; unknown fields are ignored.
    struct Envelope: Decodable {
        var entry: [Entry]
    }
    struct Entry: Decodable {
        var changes: [Change]
    }
    struct Change: Decodable {
        var value: Value
    }
    struct Value: Decodable {
        var statuses: [Status]?
        var messages: [Message]?
    }
    struct Message: Decodable {
        var from: String
        var id: String
        var timestamp: String?
        var type: String
        var text: Text?
    }
    struct Text: Decodable {
        var body: String
    }
    struct Status: Decodable {
        var id: String
        var status: String
        var timestamp: String?
        var errors: [StatusError]?
    }
    struct StatusError: Decodable {
        var code: Int?
        var title: String?
        var message: String?
        var errorData: ErrorData?
        enum CodingKeys: String, CodingKey {
            case code, title, message
            case errorData = "error_data"
        }
    }
    struct ErrorData: Decodable {
        var details: String?
    }
}
