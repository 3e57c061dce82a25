import Crypto
import Foundation

/// Signs webhook requests the Standard Webhooks way (standardwebhooks.com),
/// so any of its libraries can verify them:
///
/// - `webhook-id`: the message id, the same on every retry (Herald's delivery id);
/// - `webhook-timestamp`: Unix seconds;
/// - `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`,
///   keyed by the base64-decoded part of the `whsec_` secret.
public struct StandardWebhookSigner: Sendable {
    /// The key's bytes (SymmetricKey is not Sendable; making one per signature is cheap).
    private let key: Data

    /// - Throws: ``InvalidSecret`` when the
    ///   secret (with or without its `whsec_` prefix) is not base64.
    public init(secret: String) throws(InvalidSecret) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { throw InvalidSecret() }
        key = bytes
    }

    /// `v1,<base64 signature>`.
    public func signature(id: String, timestamp: Int64, body: Data) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers for one request.
    public func headers(id: String, timestamp: Int64, body: Data) -> [HTTPHeader] {
        [
            HTTPHeader("webhook-id", id),
            HTTPHeader("webhook-timestamp", String(timestamp)),
            HTTPHeader("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
        ]
    }

    /// The secret could not be decoded; the message never contains it.
    public struct InvalidSecret: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String { "the webhook secret is not a whsec_ secret with a base64 key" }
    }
}
