import Foundation
import HeraldBus
import Logging
import ServiceLifecycle
import UnixSignals

/// CURVE on the core's endpoints: the core's key pair, and the client keys it
/// admits with their roles.
///
/// Each endpoint is its own ZAP domain, and the handshake admits these roles:
///
/// | endpoint | roles admitted at the handshake | then |
/// |---|---|---|
/// | admin   | admin, channel, observer | each request needs `admin`; the others get PERMISSION_DENIED |
/// | channel | channel                  | messages from a key removed since are dropped |
/// | events  | admin, observer          | |
///
/// A channel or observer key is let through the admin handshake on purpose, so
/// that a misconfigured program hears "permission denied" rather than a silent
/// refusal; an unlisted key is refused everywhere at the handshake.
struct BusSecurity: Sendable {
    static let secretKeyVariable = CurveClientKeys.secretKeyVariable
    static let authorizedKeysVariable = "HERALD_AUTHORIZED_KEYS"

    static let domains: [String: Set<BusRole>] = [
        "admin": [.admin, .channel, .observer],
        "channel": [.channel],
        "events": [.admin, .observer],
    ]

    let keyPair: CurveKeyPair
    let authorizedKeysPath: String
    let authorizedKeys: AuthorizedKeys
    /// Said once at start when the key file is readable by others.
    let warnings: [String]

    /// CURVE settings from the flags or the environment; nil when neither is given.
    static func resolve(
        secretKeyFile: String?, authorizedKeysFile: String?, environment: [String: String]
    ) throws(CurveKeyError) -> BusSecurity? {
        let secretKeyFile = secretKeyFile ?? environment[secretKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        let keysFile = authorizedKeysFile ?? environment[authorizedKeysVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (secretKeyFile, keysFile) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CurveKeyError(
                "--curve-secret-key needs --authorized-keys (or $\(authorizedKeysVariable)): without it any key would get in")
        case (nil, .some):
            throw CurveKeyError("--authorized-keys needs --curve-secret-key (or $\(secretKeyVariable)): the core's own key pair")
        case (let secretKeyFile?, let keysFile?):
            guard CurveOptions.isAvailable else { throw CurveKeyError("this libzmq is built without CURVE support") }
            return BusSecurity(
                keyPair: try CurveKeyPair.load(path: secretKeyFile),
                authorizedKeysPath: keysFile,
                authorizedKeys: try AuthorizedKeys.load(path: keysFile),
                warnings: CurveKeyPair.permissionWarning(path: secretKeyFile).map { [$0] } ?? [])
        }
    }

    func curve(for endpoint: String) -> CurveOptions { .server(keyPair, zapDomain: endpoint) }
}

/// Reloads the authorised keys on SIGHUP. A file that no longer parses is
/// reported and the keys in force stay, so a typo never locks everyone out.
struct AuthorizedKeysReloader: Service {
    let path: String
    let handler: ZAPHandler
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            do {
                let keys = try AuthorizedKeys.load(path: path)
                handler.replaceKeys(keys)
                logger.notice("authorized keys reloaded", metadata: ["path": "\(path)", "keys": "\(keys.summary)"])
            } catch {
                logger.error("authorized keys NOT reloaded; the previous keys stay in force", metadata: [
                    "path": "\(path)", "error": "\(error)"])
            }
        }
    }
}
