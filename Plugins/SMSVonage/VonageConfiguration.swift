import Foundation
import HeraldChannelKit

/// Credentials, sender and base URL, from the environment.
struct VonageConfiguration: ChannelConfiguration {
    static let defaultBase = "https://rest.nexmo.com"

    static let accountVariables: Set<String> = [
        "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_NUMBER", "VONAGE_SIGNATURE_SECRET", "VONAGE_SIGNATURE_METHOD",
    ]

    var apiKey: String
    var apiSecret: String
    /// A number (digits) or an alphanumeric sender id.
    var sender: String

    var senders: [String] { [sender] }

    /// Vonage's published limits: 30 requests a second per API key, and 1 message a
    /// second from a US or Canadian long number (11 digits starting with 1; Vonage
    /// answers faster sends with status 1, "Throttled").
    var defaultRatePerSecond: Double? {
        sender.count == 11 && sender.hasPrefix("1") && sender.allSatisfy { $0.isASCII && $0.isNumber } ? 1 : 30
    }
    /// Without a trailing slash.
    var apiBase: String
    /// The public URL of this channel's callback listener (`--callback-url`); nil: no callbacks.
    var callbackURL: String?
    /// The account's signature secret and method: set, every delivery receipt must
    /// carry a valid `sig`; unset, receipts are checked for the API key only.
    var signatureSecret: String?
    var signatureMethod: VonageSignature.Method

    init(environment: [String: String]) throws(ChannelConfigurationError) {
        apiKey = try ChannelConfigurationError.require("VONAGE_API_KEY", in: environment)
        apiSecret = try ChannelConfigurationError.require("VONAGE_API_SECRET", in: environment)
        sender = try ChannelConfigurationError.require("VONAGE_NUMBER", in: environment)
        // Vonage wants numbers without the "+" of E.164.
        if sender.hasPrefix("+") { sender.removeFirst() }
        apiBase = try APIBase.from("VONAGE_API_BASE", default: Self.defaultBase, in: environment)
        callbackURL = environment[ChannelOptions.callbackURLVariable].flatMap { $0.isEmpty ? nil : $0 }
        signatureSecret = environment["VONAGE_SIGNATURE_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        let method = environment["VONAGE_SIGNATURE_METHOD"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "md5hash"
        guard let signatureMethod = VonageSignature.Method(rawValue: method) else {
            throw ChannelConfigurationError(
                "VONAGE_SIGNATURE_METHOD must be md5hash, md5, sha1, sha256 or sha512, not \(method)",
                variable: "VONAGE_SIGNATURE_METHOD")
        }
        self.signatureMethod = signatureMethod
    }

    /// Where Vonage sends each message's delivery receipts (the send's `callback`).
    var receiptURL: String? { callbackURL.map { $0 + VonageCallbacks.statusPath } }

    var smsURL: String { "\(apiBase)/sms/json" }
}
