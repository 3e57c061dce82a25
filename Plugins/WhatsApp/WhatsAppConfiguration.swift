import Foundation
import HeraldChannelKit

/// The Cloud API endpoint and credentials, from the environment.
struct WhatsAppConfiguration: ChannelConfiguration {
    static let defaultVersion = "v21.0"

    static let accountVariables: Set<String> = [
        "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN",
    ]
    /// When a delivery names a template but not its language.
    static let defaultTemplateLanguage = "en_US"

    var token: String
    var phoneNumberID: String

    /// The WhatsApp business phone number (by its id) messages come from.
    var senders: [String] { [phoneNumberID] }

    /// Meta's default throughput: 80 messages a second per business phone number.
    var defaultRatePerSecond: Double? { 80 }
    /// Meta's pair rate limit: about one message every 6 s from a business number to
    /// one user (beyond: error 131056).
    var recipientGap: Double? { 6 }
    /// Without a trailing slash.
    var apiBase: String
    var apiVersion: String
    /// The app secret status webhooks are signed with, and the token Meta's
    /// subscription handshake must present: both required with callbacks.
    var webhook: (appSecret: String, verifyToken: String)?

    init(environment: [String: String]) throws(ChannelConfigurationError) {
        token = try ChannelConfigurationError.require("WHATSAPP_TOKEN", in: environment)
        phoneNumberID = try ChannelConfigurationError.require("WHATSAPP_PHONE_NUMBER_ID", in: environment)
        // Required rather than defaulted: this channel speaks the Cloud API's
        // shape, and an operator says which endpoint (Meta's, or a gateway) it talks to.
        apiBase = try APIBase.from("WHATSAPP_API_BASE", default: nil, in: environment)
        apiVersion = environment["WHATSAPP_API_VERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultVersion
        guard apiVersion.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." }) else {
            throw ChannelConfigurationError(
                "WHATSAPP_API_VERSION must look like v21.0, not \(apiVersion)", variable: "WHATSAPP_API_VERSION")
        }
        // Status webhooks go to the app's one callback URL, set in Meta's dashboard
        // (not per message); the listener needs the secrets to trust them.
        if let url = environment[ChannelOptions.callbackURLVariable], !url.isEmpty {
            webhook = (
                try ChannelConfigurationError.require("WHATSAPP_APP_SECRET", in: environment),
                try ChannelConfigurationError.require("WHATSAPP_VERIFY_TOKEN", in: environment))
        }
    }

    var messagesURL: String {
        let id = phoneNumberID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? phoneNumberID
        return "\(apiBase)/\(apiVersion)/\(id)/messages"
    }
}
