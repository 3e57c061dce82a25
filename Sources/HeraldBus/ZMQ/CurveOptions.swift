import CZeroMQ

/// CURVE keys for one socket, as Z85 text (40 characters per key).
///
/// Every endpoint and client accepts these so that switching CURVE on is a
/// configuration change rather than an API change. A server needs its own key
/// pair; a client needs its own pair plus the server's public key.
public struct CurveOptions: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        /// `zapDomain` tells the process's ``ZAPHandler`` which endpoint a handshake is for.
        case server(zapDomain: String)
        case client(serverPublicKey: String)
    }

    public var role: Role
    public var publicKey: String
    public var secretKey: String

    public init(role: Role, publicKey: String, secretKey: String) {
        self.role = role
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public static func server(publicKey: String, secretKey: String, zapDomain: String = "") -> CurveOptions {
        CurveOptions(role: .server(zapDomain: zapDomain), publicKey: publicKey, secretKey: secretKey)
    }

    /// A server socket with `keys`, asking the ZAP handler about domain `zapDomain`.
    public static func server(_ keys: CurveKeyPair, zapDomain: String) -> CurveOptions {
        .server(publicKey: keys.publicKey, secretKey: keys.secretKey, zapDomain: zapDomain)
    }

    /// A client socket with `keys` that trusts only the server whose public key is `serverPublicKey`.
    public static func client(_ keys: CurveKeyPair, serverPublicKey: String) -> CurveOptions {
        .client(serverPublicKey: serverPublicKey, publicKey: keys.publicKey, secretKey: keys.secretKey)
    }

    public static func client(serverPublicKey: String, publicKey: String, secretKey: String) -> CurveOptions {
        CurveOptions(role: .client(serverPublicKey: serverPublicKey), publicKey: publicKey, secretKey: secretKey)
    }

    /// A fresh Z85 key pair from libzmq (backed by libsodium).
    public static func generateKeyPair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return (String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
                String(decoding: secretKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Whether this libzmq was built with CURVE support.
    public static var isAvailable: Bool { zmq_has("curve") != 0 }
}
