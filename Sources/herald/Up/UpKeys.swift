import Foundation
import HeraldBus

/// `herald up --curve`: CURVE keys kept in `<state-dir>/keys`, made on first use,
/// and the options that hand each program its own key.
///
/// Three key pairs: `core` (heraldd's), `admin` (the gateway, the demo, and the
/// CLI you run by hand) and `channel` (every channel program). `authorized_keys`
/// lists admin and channel; edit it and restart (or SIGHUP heraldd) to add more.
struct UpKeys {
    let directory: URL

    var authorizedKeys: URL { directory.appendingPathComponent("authorized_keys") }
    func secretKey(_ name: String) -> String { directory.appendingPathComponent("\(name).key").path }
    var corePublicKey: String { directory.appendingPathComponent("core.pub").path }

    var coreArguments: [String] { ["--curve-secret-key", secretKey("core"), "--authorized-keys", authorizedKeys.path] }
    /// The client options for a program using `name`'s key pair.
    func clientArguments(_ name: String) -> [String] {
        ["--curve-secret-key", secretKey(name), "--curve-server-key", corePublicKey]
    }

    /// The admin key, for the demo's own connection.
    func adminCurve() throws -> CurveOptions {
        .client(try CurveKeyPair.load(path: secretKey("admin")), serverPublicKey: try CurvePublicKey.resolve(corePublicKey))
    }

    /// The keys in `directory`, made there first if the core's key is missing.
    /// Returns whether they were just made.
    static func prepare(in directory: URL) throws -> (UpKeys, made: Bool) {
        let keys = UpKeys(directory: directory)
        guard !FileManager.default.fileExists(atPath: keys.secretKey("core")) else { return (keys, false) }
        try KeyFiles.makeDirectory(directory)
        var lines = ["# role public-key name: the client keys heraldd admits (herald up --curve made these)"]
        for (name, role) in [("core", nil), ("admin", BusRole.admin), ("channel", BusRole.channel)] {
            let pair = try CurveKeyPair.generate()
            try KeyFiles.write(pair.secretFileText, to: URL(fileURLWithPath: keys.secretKey(name)), mode: 0o600, replace: true)
            try KeyFiles.write(pair.publicFileText, to: directory.appendingPathComponent("\(name).pub"), mode: 0o644, replace: true)
            if let role { lines.append("\(role) \(pair.publicKey) \(name)") }
        }
        try KeyFiles.write(lines.joined(separator: "\n") + "\n", to: keys.authorizedKeys, mode: 0o644, replace: true)
        return (keys, true)
    }
}
