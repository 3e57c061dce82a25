import Foundation

/// How every client program (`herald`, `herald-gateway`, each channel) finds its
/// CURVE keys: its own key pair from a file, and the core's public key. Each comes
/// from a flag or, failing that, the environment; neither means no CURVE.
public enum CurveClientKeys {
    public static let secretKeyVariable = "HERALD_CURVE_SECRET_KEY"
    public static let serverKeyVariable = "HERALD_CURVE_SERVER_KEY"

    public static let secretKeyHelp =
        "This program's CURVE key file, from `herald keys generate` ($\(secretKeyVariable)); needs --curve-server-key."
    public static let serverKeyHelp =
        "The core's CURVE public key, or its .pub file ($\(serverKeyVariable)); needs --curve-secret-key."

    /// The client's CURVE options, or nil when neither key is given.
    public static func resolve(
        secretKeyFile: String?, serverKey: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(CurveKeyError) -> CurveOptions? {
        let secretKeyFile = secretKeyFile ?? environment[secretKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        let serverKey = serverKey ?? environment[serverKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (secretKeyFile, serverKey) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CurveKeyError(
                "--curve-secret-key needs the core's public key too: --curve-server-key or $\(serverKeyVariable)")
        case (nil, .some):
            throw CurveKeyError(
                "--curve-server-key needs this program's key pair too: --curve-secret-key or $\(secretKeyVariable)")
        case (let secretKeyFile?, let serverKey?):
            let keys = try CurveKeyPair.load(path: secretKeyFile)
            return .client(keys, serverPublicKey: try CurvePublicKey.resolve(serverKey))
        }
    }
}

extension CurveKeyPair {
    /// A warning when others than the owner may read the secret key file, as SSH
    /// gives; a warning rather than a refusal because container secrets are often
    /// mounted world-readable inside a container only the service can enter.
    public static func permissionWarning(path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 != 0
        else { return nil }
        return "\(path) can be read by other users (mode \(String(mode & 0o777, radix: 8))); chmod 600 it"
    }
}
