import Foundation
import HeraldChannelKit

/// Where and as whom to send, from the environment.
struct TwilioConfiguration: ChannelConfiguration {
    /// Who the message comes from: a number, or a Messaging Service that picks one.
    enum Sender: Sendable, Equatable {
        case phoneNumber(String)
        case messagingService(String)
    }

    static let defaultBase = "https://api.twilio.com"

    static let accountVariables: Set<String> = [
        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_KEY_SID", "TWILIO_API_KEY_SECRET", "TWILIO_PHONE_NUMBER",
        "TWILIO_MESSAGING_SERVICE_SID",
    ]

    var accountSID: String
    /// Checks Twilio's callback signatures, and signs in when no API key is given; nil
    /// only with an API key and without callbacks.
    var authToken: String?
    /// An API key of the account (its SID, SK..., and secret): what requests sign in
    /// with instead of the auth token, which it can revoke on its own.
    var apiKey: (sid: String, secret: String)?
    var sender: Sender
    /// Without a trailing slash.
    var apiBase: String
    /// The public URL of this channel's callback listener (`--callback-url`); nil: no callbacks.
    var callbackURL: String?

    /// Twilio's published sending rates per sender: 1 message a second from a US (or
    /// any) long code, 3 from a US toll-free number, 100 from a short code. A Messaging
    /// Service spreads messages over its numbers, so Herald sets no limit of its own;
    /// give `rate_per_second` where these do not fit.
    var defaultRatePerSecond: Double? {
        switch sender {
        case .messagingService: return nil
        case .phoneNumber(let number):
            let digits = number.filter(\.isNumber)
            if !number.hasPrefix("+"), (3...6).contains(digits.count) { return 100 }
            if number.hasPrefix("+1"), ["800", "833", "844", "855", "866", "877", "888"].contains(String(digits.dropFirst().prefix(3))) {
                return 3
            }
            return 1
        }
    }

    /// The number or Messaging Service its messages come from.
    var senders: [String] {
        switch sender {
        case .phoneNumber(let number): [number]
        case .messagingService(let sid): [sid]
        }
    }

    init(environment: [String: String]) throws(ChannelConfigurationError) {
        accountSID = try ChannelConfigurationError.require("TWILIO_ACCOUNT_SID", in: environment)
        let keySID = environment["TWILIO_API_KEY_SID"].flatMap { $0.isEmpty ? nil : $0 }
        let keySecret = environment["TWILIO_API_KEY_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keySID, keySecret) {
        case let (sid?, secret?): apiKey = (sid, secret)
        case (nil, nil): apiKey = nil
        case (nil, _?): throw ChannelConfigurationError("TWILIO_API_KEY_SID is not set (TWILIO_API_KEY_SECRET is)", variable: "TWILIO_API_KEY_SID")
        case (_?, nil): throw ChannelConfigurationError("TWILIO_API_KEY_SECRET is not set (TWILIO_API_KEY_SID is)", variable: "TWILIO_API_KEY_SECRET")
        }
        callbackURL = environment[ChannelOptions.callbackURLVariable].flatMap { $0.isEmpty ? nil : $0 }
        // An API key signs requests in, but Twilio signs its callbacks with the auth token.
        if apiKey == nil || callbackURL != nil {
            authToken = try ChannelConfigurationError.require("TWILIO_AUTH_TOKEN", in: environment)
        } else {
            authToken = environment["TWILIO_AUTH_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        }
        if let service = environment["TWILIO_MESSAGING_SERVICE_SID"], !service.isEmpty {
            sender = .messagingService(service)
        } else if let number = environment["TWILIO_PHONE_NUMBER"], !number.isEmpty {
            sender = .phoneNumber(number)
        } else {
            throw ChannelConfigurationError(
                "TWILIO_PHONE_NUMBER is not set (nor TWILIO_MESSAGING_SERVICE_SID)", variable: "TWILIO_PHONE_NUMBER")
        }
        apiBase = try APIBase.from("TWILIO_API_BASE", default: Self.defaultBase, in: environment)
    }

    /// Who requests sign in as (Basic auth): the API key when there is one, else the
    /// account with its auth token.
    var credentials: (user: String, password: String) {
        if let apiKey { return (apiKey.sid, apiKey.secret) }
        return (accountSID, authToken ?? "")
    }

    /// What must never appear in an error: the auth token and the API key's secret.
    var secrets: [String] { [authToken, apiKey?.secret].compactMap { $0 } }

    /// Where Twilio posts each message's status changes (the send's `StatusCallback`).
    var statusCallbackURL: String? { callbackURL.map { $0 + TwilioCallbacks.statusPath } }

    /// The Messages resource of the account.
    var messagesURL: String {
        let account = accountSID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? accountSID
        return "\(apiBase)/2010-04-01/Accounts/\(account)/Messages.json"
    }
}
