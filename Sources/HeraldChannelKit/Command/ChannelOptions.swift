import ArgumentParser
import Foundation
import HeraldBus
import Logging

/// The options every channel program takes; add them to a command with
/// `@OptionGroup var options: ChannelOptions`.
public struct ChannelOptions: ParsableArguments, Sendable {
    /// Where the fallback for `--core` comes from.
    public static let endpointVariable = "HERALD_CHANNEL_ENDPOINT"
    public static let defaultEndpoint = "tcp://127.0.0.1:7401"
    public static let logLevelVariable = "HERALD_LOG_LEVEL"

    @Option(name: .customLong("core"),
            help: ArgumentHelp("The core's channel endpoint, or several cores' comma-separated (cores on one PostgreSQL database): the worker moves to the next when it loses its core ($HERALD_CHANNEL_ENDPOINT, default tcp://127.0.0.1:7401).",
                               valueName: "endpoint"))
    public var core: String?

    @Option(name: .customLong("instance"),
            help: ArgumentHelp("This worker's name at the core (default <channel>-<provider>-<host>-<pid>).",
                               valueName: "id"))
    public var instance: String?

    @Option(name: .customLong("max-in-flight"),
            help: ArgumentHelp("Deliveries sent at once, 1 to 1024.", valueName: "n"))
    public var maxInFlight: Int = 16

    @Option(name: .customLong("outbox"),
            help: ArgumentHelp("Write each delivery to DIR/<delivery_id>.json instead of sending it, and report provider \"outbox\".",
                               valueName: "dir"))
    public var outbox: String?

    @Option(name: .customLong("curve-secret-key"), help: ArgumentHelp(CurveClientKeys.secretKeyHelp, valueName: "file"))
    public var curveSecretKey: String?

    @Option(name: .customLong("curve-server-key"), help: ArgumentHelp(CurveClientKeys.serverKeyHelp, valueName: "key|file"))
    public var curveServerKey: String?

    @Option(name: .customLong("log-level"),
            help: ArgumentHelp("trace, debug, info, notice, warning, error or critical ($HERALD_LOG_LEVEL, default info).",
                               valueName: "level"))
    public var logLevel: String?

    public init() {}

    public func validate() throws {
        guard (1...1024).contains(maxInFlight) else {
            throw ValidationError("--max-in-flight must be between 1 and 1024, not \(maxInFlight)")
        }
        if let outbox, outbox.isEmpty { throw ValidationError("--outbox needs a directory") }
        _ = try resolvedLogLevel(environment: ProcessInfo.processInfo.environment)
        _ = try curve()
    }

    /// CURVE keys from `--curve-secret-key` and `--curve-server-key` or their variables; nil without CURVE.
    public func curve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CurveOptions? {
        do {
            return try CurveClientKeys.resolve(secretKeyFile: curveSecretKey, serverKey: curveServerKey, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// `--core`, else `$HERALD_CHANNEL_ENDPOINT`, else `tcp://127.0.0.1:7401`.
    public func endpoint(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        core ?? environment[Self.endpointVariable].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultEndpoint
    }

    /// `--instance`, else `<channel>-<provider>-<hostname>-<pid>`.
    public func instanceID(for plugin: some ChannelPlugin) -> String {
        instance ?? "\(plugin.channel)-\(plugin.provider)-\(ProcessInfo.processInfo.hostName)-\(getpid())"
    }

    /// `--log-level`, else `$HERALD_LOG_LEVEL`, else `info`.
    public func resolvedLogLevel(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Logger.Level {
        let name = logLevel ?? environment[Self.logLevelVariable] ?? "info"
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw ValidationError("unknown log level \"\(name)\"; use trace, debug, info, notice, warning, error or critical")
        }
        return level
    }

    /// The directory given with `--outbox`.
    public var outboxDirectory: URL? { outbox.map { URL(fileURLWithPath: $0, isDirectory: true) } }
}
