import Foundation
import HeraldBus

/// The standard set of CURVE keys for one installation, made once: what
/// `herald keys init` writes and `herald up --curve` uses (in `<state-dir>/keys`).
///
/// One folder per program, holding exactly what that program needs, so each can
/// be copied (or mounted) where the program runs and nowhere else:
///
/// ```
/// core/     core.key  core.pub  authorized_keys   heraldd
/// admin/    admin.key admin.pub core.pub          herald (the CLI), herald-gateway
/// channel/  channel.key channel.pub core.pub      every channel program
/// ```
///
/// `authorized_keys` admits the admin and channel keys; add more lines and send
/// heraldd SIGHUP.
struct KeySet {
    let directory: URL

    static let clients: [(name: String, role: BusRole)] = [("admin", .admin), ("channel", .channel)]

    func folder(_ name: String) -> URL { directory.appendingPathComponent(name, isDirectory: true) }
    var authorizedKeys: URL { folder("core").appendingPathComponent("authorized_keys") }
    func secretKey(_ name: String) -> String { folder(name).appendingPathComponent("\(name).key").path }
    /// The core's public key, as the folder of client `name` holds it.
    func corePublicKey(for name: String) -> String { folder(name).appendingPathComponent("core.pub").path }

    var coreArguments: [String] { ["--curve-secret-key", secretKey("core"), "--authorized-keys", authorizedKeys.path] }
    /// The client options for a program using `name`'s key pair.
    func clientArguments(_ name: String) -> [String] {
        ["--curve-secret-key", secretKey(name), "--curve-server-key", corePublicKey(for: name)]
    }
    func clientEnvironment(_ name: String) -> [String] {
        ["\(CurveClientKeys.secretKeyVariable)=\(secretKey(name))", "\(CurveClientKeys.serverKeyVariable)=\(corePublicKey(for: name))"]
    }

    /// The admin key, for the demo's own connection.
    func adminCurve() throws -> CurveOptions {
        .client(try CurveKeyPair.load(path: secretKey("admin")), serverPublicKey: try CurvePublicKey.resolve(corePublicKey(for: "admin")))
    }

    /// The keys in `directory`, made there first if the core's key is missing.
    /// Returns whether they were just made.
    static func prepare(in directory: URL) throws -> (KeySet, made: Bool) {
        let keys = KeySet(directory: directory)
        guard !FileManager.default.fileExists(atPath: keys.secretKey("core")) else { return (keys, false) }
        try KeyFiles.makeDirectory(directory)
        let core = try CurveKeyPair.generate()
        try keys.write(core, as: "core", in: "core")
        var lines = ["# role public-key name: the client keys heraldd admits (herald keys init made these)"]
        for (name, role) in clients {
            let pair = try CurveKeyPair.generate()
            try keys.write(pair, as: name, in: name)
            try KeyFiles.write(core.publicFileText, to: URL(fileURLWithPath: keys.corePublicKey(for: name)), mode: 0o644, replace: true)
            lines.append("\(role) \(pair.publicKey) \(name)")
        }
        try KeyFiles.write(lines.joined(separator: "\n") + "\n", to: keys.authorizedKeys, mode: 0o644, replace: true)
        return (keys, true)
    }

    private func write(_ pair: CurveKeyPair, as name: String, in folderName: String) throws {
        let folder = self.folder(folderName)
        try KeyFiles.makeDirectory(folder)
        try KeyFiles.write(pair.secretFileText, to: folder.appendingPathComponent("\(name).key"), mode: 0o600, replace: true)
        try KeyFiles.write(pair.publicFileText, to: folder.appendingPathComponent("\(name).pub"), mode: 0o644, replace: true)
    }
}
