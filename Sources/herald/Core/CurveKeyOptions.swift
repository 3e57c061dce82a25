import ArgumentParser
import HeraldBus

/// `--curve-secret-key` and `--curve-server-key`, for the commands that talk to the core.
struct CurveKeyOptions: ParsableArguments {
    @Option(name: .customLong("curve-secret-key"), help: ArgumentHelp(CurveClientKeys.secretKeyHelp, valueName: "file"))
    var secretKey: String?

    @Option(name: .customLong("curve-server-key"), help: ArgumentHelp(CurveClientKeys.serverKeyHelp, valueName: "key|file"))
    var serverKey: String?

    /// The client's CURVE options from the flags or the environment; nil without CURVE.
    func resolved() throws -> CurveOptions? {
        do {
            return try CurveClientKeys.resolve(secretKeyFile: secretKey, serverKey: serverKey)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func validate() throws { _ = try resolved() }
}
