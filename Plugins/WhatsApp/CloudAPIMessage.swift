import Foundation
import HeraldChannelKit

/// The JSON body of `POST /{version}/{phone-number-id}/messages`: a template
/// message when the delivery names a template (the only kind WhatsApp lets a
/// business start a conversation with, outside the 24-hour window), else text.
struct CloudAPIMessage: Encodable {
    struct Template: Encodable {
        struct Language: Encodable {
            var code: String
        }

        struct Component: Encodable {
            var type = "body"
            var parameters: [Parameter]
        }

        struct Parameter: Encodable {
            var type = "text"
            var text: String
        }

        var name: String
        var language: Language
        var components: [Component]?
    }

    struct Text: Encodable {
        var body: String
        var previewURL = false

        enum CodingKeys: String, CodingKey {
            case body
            case previewURL = "preview_url"
        }
    }

    var messagingProduct = "whatsapp"
    var recipientType = "individual"
    var to: String
    var type: String
    var template: Template?
    var text: Text?

    enum CodingKeys: String, CodingKey {
        case messagingProduct = "messaging_product"
        case recipientType = "recipient_type"
        case to, type, template, text
    }

    /// The message for `message` to `phone` (E.164; sent as digits).
    init(to phone: String, message: Herald_V1_RenderedMessage, defaultLanguage: String) {
        to = String(phone.filter { ("0"..."9").contains($0) })
        if !message.templateName.isEmpty {
            type = "template"
            let parameters = message.templateParameters.map { Template.Parameter(text: $0) }
            template = Template(
                name: message.templateName,
                language: .init(code: message.templateLanguage.isEmpty ? defaultLanguage : message.templateLanguage),
                components: parameters.isEmpty ? nil : [Template.Component(parameters: parameters)])
        } else {
            type = "text"
            text = Text(body: message.textBody)
        }
    }

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}

/// A successful answer: `{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}`.
struct CloudAPIAccepted: Decodable {
    struct Message: Decodable {
        var id: String
    }

    var messages: [Message]
}

/// A Graph API error: `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`.
struct CloudAPIError: Decodable {
    struct Detail: Decodable {
        var message: String?
        var type: String?
        var code: Int?
        var errorSubcode: Int?
        var fbtraceID: String?

        enum CodingKeys: String, CodingKey {
            case message, type, code
            case errorSubcode = "error_subcode"
            case fbtraceID = "fbtrace_id"
        }
    }

    var error: Detail
}
