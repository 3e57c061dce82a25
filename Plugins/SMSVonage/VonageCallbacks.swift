import Foundation
import HeraldChannelKit

/// Vonage SMS API delivery receipts (DLRs): one per message part, sent to the
/// send's `callback` URL as a GET query, a form POST or a JSON POST (as the
/// account is set up), signed with `sig` when the account signs webhooks; and
/// inbound messages, the same way, to the number's inbound webhook (`/inbound`).
enum VonageCallbacks {
    static let statusPath = "/status"
    static let inboundPath = "/inbound"

    static func answer(_ request: CallbackRequest, configuration: VonageConfiguration) -> CallbackAnswer {
        guard request.path == statusPath || request.path == inboundPath else {
            return .rejected(status: 404, reason: "no such callback: \(request.path)")
        }
        guard let fields = parameters(of: request) else {
            return .rejected(status: 400, reason: "a webhook that is neither a query, a form nor a JSON object")
        }
        func value(_ name: String) -> String? { fields.first { $0.name == name }.flatMap { $0.value.isEmpty ? nil : $0.value } }
        if let secret = configuration.signatureSecret {
            guard VonageSignature.isValid(secret: secret, method: configuration.signatureMethod, parameters: fields) else {
                return .forbidden(reason: value("sig") == nil ? "no sig" : "sig does not match, or its timestamp is not recent")
            }
        }
        // Receipts name the account; without a signature this is the only check there is.
        guard let apiKey = value("api-key"), constantTimeEqual(apiKey, configuration.apiKey) else {
            return .forbidden(reason: "api-key is not this account's")
        }
        if request.path == inboundPath {
            guard let msisdn = value("msisdn") else { return .rejected(status: 400, reason: "an inbound message without msisdn") }
            return .report(receipts: [], inbound: [.with {
                $0.provider = "vonage"
                $0.providerMessageID = value("messageId") ?? ""
                $0.from = "+" + msisdn.filter(\.isNumber)
                $0.to = value("to") ?? ""
                $0.text = value("text") ?? ""
                if let at = value("message-timestamp").flatMap(vonageTime) {
                    $0.receivedAtMs = Int64(at.timeIntervalSince1970 * 1000)
                }
            }])
        }
        guard let messageID = value("messageId"), let vonageStatus = value("status") else {
            return .rejected(status: 400, reason: "a delivery receipt without messageId or status")
        }
        guard let status = deliveryStatus(vonageStatus) else { return .respond(status: 200) }
        let errorCode = value("err-code") ?? ""
        var receipt = Herald_V1_Receipt(
            provider: "vonage", messageID: messageID, status: status, providerStatus: vonageStatus,
            occurredAt: value("scts").flatMap(carrierTime) ?? value("message-timestamp").flatMap(vonageTime),
            errorCode: status == .undelivered ? errorCode : "",
            errorMessage: status == .undelivered ? errorText(errorCode) : "", deliveryID: value("client-ref") ?? "")
        // err-code 9 on a failed or rejected receipt: the number opted out of this
        // sender (Vonage's "Messaging Opted-out Numbers"); the core puts it on the
        // tenant's suppression list.
        receipt.recipientGone = status == .undelivered && errorCode == optedOutErrorCode
        return .report(receipts: [receipt])
    }

    /// The DLR err-code Vonage reports for a number that asked not to get messages
    /// from the sending number (replied STOP).
    static let optedOutErrorCode = "9"

    /// The receipt's fields: the query of a GET, else the form or JSON object of a POST.
    static func parameters(of request: CallbackRequest) -> [(name: String, value: String)]? {
        if request.method == "GET" { return request.queryParameters }
        let type = request.header("content-type")?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") { return request.formParameters }
        guard type.hasPrefix("application/json"),
              let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any]
        else { return nil }
        // Every value is a string in Vonage's receipts; numbers are taken as written.
        return object.map { name, value in
            (name, (value as? String) ?? (value as? NSNumber)?.stringValue ?? "")
        }
    }

    /// Vonage's DLR statuses, as Herald's delivery states.
    static func deliveryStatus(_ status: String) -> Herald_V1_DeliveryStatus? {
        switch status.lowercased() {
        case "accepted", "buffered": .sent
        case "delivered": .delivered
        case "expired", "failed", "rejected": .undelivered
        default: nil // "unknown": nothing learnt
        }
    }

    /// `scts`, when the carrier handled the message: YYMMDDhhmm in UTC.
    static func carrierTime(_ text: String) -> Date? { parse(text, format: "yyMMddHHmm") }

    /// `message-timestamp`: YYYY-MM-DD hh:mm:ss in UTC.
    static func vonageTime(_ text: String) -> Date? { parse(text, format: "yyyy-MM-dd HH:mm:ss") }

    private static func parse(_ text: String, format: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.date(from: text)
    }

    /// Vonage's DLR error codes (err-code), in words.
    static func errorText(_ code: String) -> String {
        switch code {
        case "1": "Unknown"
        case "2": "Absent subscriber (temporary)"
        case "3": "Absent subscriber (permanent)"
        case "4": "Call barred by user"
        case "5": "Portability error"
        case "6": "Anti-spam rejection"
        case "7": "Handset busy"
        case "8": "Network error"
        case "9": "Illegal number (opted out of messages from this sender)"
        case "10": "Illegal message"
        case "11": "Unroutable"
        case "12": "Destination unreachable"
        case "13": "Subscriber age restriction"
        case "14": "Number blocked by carrier"
        case "15": "Prepaid insufficient funds"
        case "16": "Gateway quota exceeded"
        case "50": "Entity filter"
        case "51": "Header filter"
        case "52": "Content filter"
        case "53": "Consent filter"
        case "54": "Regulation error"
        case "99": "General error"
        default: ""
        }
    }
}
