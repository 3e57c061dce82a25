import Crypto
import Foundation

// How providers sign the callbacks they send a channel (delivery receipts, inbound
// messages), as each documents it. A channel refuses a callback whose signature does
// not check out before it reads anything else from it. Pure functions, fed by the
// plugins' callback handlers (CallbackServer.swift is the listener).

/// Twilio's `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the account's auth
/// token, over the full URL Twilio called (query included, exactly as configured)
/// followed by every POST parameter, sorted by name, as name then value with nothing
/// between. Twilio adds parameters without notice, so all of them take part, known or not.
public enum TwilioSignature {
    /// The signature Twilio sends for this request.
    public static func expected(authToken: String, url: String, parameters: [(name: String, value: String)]) -> String {
        var message = url
        // Stable: a name that occurs twice keeps its values in the order they came.
        for parameter in parameters.enumerated().sorted(by: { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }) {
            message += parameter.element.name + parameter.element.value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(message.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether `header` (nil when the request had none) is Twilio's signature of it.
    public static func isValid(
        _ header: String?, authToken: String, url: String, parameters: [(name: String, value: String)]
    ) -> Bool {
        guard let header, !header.isEmpty else { return false }
        return constantTimeEqual(header, expected(authToken: authToken, url: url, parameters: parameters))
    }
}

/// The WhatsApp Cloud API's `X-Hub-Signature-256`: `sha256=` and the lowercase hex of
/// HMAC-SHA256 over the raw request body, keyed with the Meta app's secret.
public enum WhatsAppSignature {
    public static func expected(appSecret: String, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(appSecret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` (nil when the request had none) signs `body`; the hex may come
    /// in either case.
    public static func isValid(_ header: String?, appSecret: String, body: Data) -> Bool {
        guard let header, header.hasPrefix("sha256=") else { return false }
        return constantTimeEqual("sha256=" + header.dropFirst("sha256=".count).lowercased(), expected(appSecret: appSecret, body: body))
    }
}

/// Vonage's signed webhooks (SMS API delivery receipts and inbound messages): the
/// `sig` parameter, over every other parameter (a `timestamp` and a `nonce` among
/// them), sorted by name, each as `&name=value` with `&` and `=` in values replaced
/// by `_`. The account's signature method decides the digest: `md5hash` (the
/// default) is the lowercase hex MD5 of that string followed by the secret; the
/// HMAC methods are the hex HMAC of that string keyed with the secret. Hex is
/// compared without regard to case (Vonage's libraries write HMACs in upper case).
public enum VonageSignature {
    public enum Method: String, Sendable, CaseIterable {
        case md5hash, md5, sha1, sha256, sha512
    }

    public static func expected(secret: String, method: Method, parameters: [(name: String, value: String)]) -> String {
        var message = ""
        for parameter in parameters.filter({ $0.name != "sig" }).sorted(by: { $0.name < $1.name }) {
            let value = parameter.value.replacingOccurrences(of: "&", with: "_").replacingOccurrences(of: "=", with: "_")
            message += "&\(parameter.name)=\(value)"
        }
        let key = SymmetricKey(data: Data(secret.utf8))
        let bytes: [UInt8] =
            switch method {
            case .md5hash: Array(Insecure.MD5.hash(data: Data((message + secret).utf8)))
            case .md5: Array(HMAC<Insecure.MD5>.authenticationCode(for: Data(message.utf8), using: key))
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: Data(message.utf8), using: key))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: Data(message.utf8), using: key))
            }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the parameters carry a `sig` that signs them, and a `timestamp` (Unix
    /// seconds) within `tolerance` of `now`: an old signed request replayed is refused.
    public static func isValid(
        secret: String, method: Method, parameters: [(name: String, value: String)], now: Date = Date(),
        tolerance: TimeInterval = 300
    ) -> Bool {
        guard let sig = parameters.first(where: { $0.name == "sig" })?.value, !sig.isEmpty,
              let timestamp = parameters.first(where: { $0.name == "timestamp" }).flatMap({ TimeInterval($0.value) }),
              abs(now.timeIntervalSince1970 - timestamp) <= tolerance
        else { return false }
        return constantTimeEqual(sig.lowercased(), expected(secret: secret, method: method, parameters: parameters))
    }
}

/// Compares in time that depends on the lengths only, not on where the first
/// difference is, so a forger learns nothing from how fast a guess is refused.
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
