import Foundation
import HeraldChannelKit

/// Twilio's status callbacks (`StatusCallback` of each message) and incoming
/// messages (the number's or Messaging Service's webhook, set to `/inbound`): form
/// POSTs signed with `X-Twilio-Signature`.
enum TwilioCallbacks {
    static let statusPath = "/status"
    static let inboundPath = "/inbound"

    /// What an incoming-message webhook is answered with: TwiML that sends nothing back.
    static let emptyTwiML = CallbackReply(contentType: "text/xml", body: #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)

    static func answer(_ request: CallbackRequest, authToken: String) -> CallbackAnswer {
        guard request.path == statusPath || request.path == inboundPath else {
            return .rejected(status: 404, reason: "no such callback: \(request.path)")
        }
        guard request.method == "POST" else { return .rejected(status: 405, reason: "Twilio's webhooks are POSTs") }
        let parameters = request.formParameters
        guard TwilioSignature.isValid(
            request.header("X-Twilio-Signature"), authToken: authToken, url: request.publicURL, parameters: parameters)
        else {
            return .forbidden(reason: request.header("X-Twilio-Signature") == nil
                ? "no X-Twilio-Signature" : "X-Twilio-Signature does not match")
        }
        func value(_ name: String) -> String? {
            parameters.first { $0.name == name }.flatMap { $0.value.isEmpty ? nil : $0.value }
        }
        if request.path == inboundPath {
            // A customer's message; with Advanced Opt-Out Twilio says what it means (OptOutType).
            guard let from = value("From") else { return .rejected(status: 400, reason: "an incoming message without From") }
            return .report(receipts: [], inbound: [.with {
                $0.provider = "twilio"
                $0.providerMessageID = value("MessageSid") ?? value("SmsSid") ?? ""
                $0.from = from
                $0.to = value("To") ?? ""
                $0.text = value("Body") ?? ""
                $0.optOutType = value("OptOutType") ?? ""
            }], reply: emptyTwiML)
        }
        guard let sid = value("MessageSid") ?? value("SmsSid"), let twilioStatus = value("MessageStatus") ?? value("SmsStatus")
        else {
            return .rejected(status: 400, reason: "a status callback without MessageSid or MessageStatus")
        }
        // A status this channel does not know (Twilio adds some) is taken and not forwarded.
        guard let status = deliveryStatus(twilioStatus) else { return .respond(status: 200) }
        let errorCode = value("ErrorCode") ?? ""
        var receipt = Herald_V1_Receipt(
            provider: "twilio", messageID: sid, status: status, providerStatus: twilioStatus,
            errorCode: status == .undelivered ? errorCode : "",
            errorMessage: status == .undelivered ? (value("ErrorMessage") ?? errorText(errorCode)) : "")
        // 21610: the number replied STOP; the core puts it on the tenant's suppression list.
        receipt.recipientGone = status == .undelivered && errorCode == "21610"
        return .report(receipts: [receipt])
    }

    /// Twilio's MessageStatus values, as Herald's delivery states.
    static func deliveryStatus(_ status: String) -> Herald_V1_DeliveryStatus? {
        switch status.lowercased() {
        case "accepted", "scheduled", "queued", "sending", "sent": .sent
        case "delivered": .delivered
        case "read": .read
        case "undelivered", "failed", "canceled": .undelivered
        default: nil
        }
    }

    /// Twilio's status callbacks carry the code only; the commonest ones, in words.
    static func errorText(_ code: String) -> String {
        switch code {
        case "30001": "Queue overflow"
        case "30002": "Account suspended"
        case "30003": "Unreachable destination handset"
        case "30004": "Message blocked"
        case "30005": "Unknown destination handset"
        case "30006": "Landline or unreachable carrier"
        case "30007": "Message filtered by the carrier"
        case "30008": "Unknown error"
        case "21610": "Attempt to send to unsubscribed recipient"
        default: ""
        }
    }
}
