import Crypto
import Foundation

// How providers sign the callbacks they send a channel (delivery receipts, inbound
// messages), as each documents it. A channel refuses a callback whose signature does
// not check out before it reads anything else from it. Pure functions: the HTTP
// listener that feeds them comes with the receipts themselves (issue 17).

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

/// Compares in time that depends on the lengths only, not on where the first
/// difference is, so a forger learns nothing from how fast a guess is refused.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
