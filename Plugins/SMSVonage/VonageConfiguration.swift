import HeraldChannelKit

/// Credentials, sender and base URL, from the environment.
struct VonageConfiguration: ChannelConfiguration {
    static let defaultBase = "https://rest.nexmo.com"

    var apiKey: String
    var apiSecret: String
    /// A number (digits) or an alphanumeric sender id.
    var sender: String
    /// Without a trailing slash.
    var apiBase: String

    init(environment: [String: String]) throws(ChannelConfigurationError) {
        apiKey = try ChannelConfigurationError.require("VONAGE_API_KEY", in: environment)
        apiSecret = try ChannelConfigurationError.require("VONAGE_API_SECRET", in: environment)
        sender = try ChannelConfigurationError.require("VONAGE_NUMBER", in: environment)
        // Vonage wants numbers without the "+" of E.164.
        if sender.hasPrefix("+") { sender.removeFirst() }
        apiBase = try APIBase.from("VONAGE_API_BASE", default: Self.defaultBase, in: environment)
    }

    var smsURL: String { "\(apiBase)/sms/json" }
}
