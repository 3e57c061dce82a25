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

    @Option(name: .customLong("callback-listen"),
            help: ArgumentHelp("Where to take the provider's callbacks (delivery receipts), HOST:PORT ($HERALD_CALLBACK_LISTEN); needs --callback-url.",
                               valueName: "host:port"))
    public var callbackListen: String?

    @Option(name: .customLong("callback-url"),
            help: ArgumentHelp("The public https URL the provider calls back, which a reverse proxy forwards to --callback-listen ($HERALD_CALLBACK_URL). Without it the provider is not asked for callbacks.",
                               valueName: "url"))
    public var callbackURL: String?

    @Option(name: .customLong("accounts"),
            help: ArgumentHelp("A JSON file of named provider accounts, each with its own credentials and sender ($HERALD_ACCOUNTS_FILE); reread on SIGHUP. Its entries give the same variables as the environment.",
                               valueName: "file"))
    public var accounts: String?

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
        _ = try callbacks()
    }

    public static let accountsFileVariable = "HERALD_ACCOUNTS_FILE"

    /// `--accounts`, else `$HERALD_ACCOUNTS_FILE`; nil when neither is set.
    public func accountsFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        (accounts ?? environment[Self.accountsFileVariable]).flatMap { $0.isEmpty ? nil : $0 }
    }

    public static let callbackListenVariable = "HERALD_CALLBACK_LISTEN"
    public static let callbackURLVariable = "HERALD_CALLBACK_URL"

    /// Where callbacks are taken and the URL providers are given, from
    /// `--callback-listen`/`--callback-url` or their variables; nil when neither is set.
    /// - Throws: `ValidationError` when only one is set, or either is malformed.
    public func callbacks(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CallbackSettings? {
        func value(_ option: String?, _ variable: String) -> String? {
            (option ?? environment[variable]).flatMap { $0.isEmpty ? nil : $0 }
        }
        let listen = value(callbackListen, Self.callbackListenVariable)
        let url = value(callbackURL, Self.callbackURLVariable)
        switch (listen, url) {
        case (nil, nil):
            return nil
        case (nil, _?):
            throw ValidationError("--callback-url needs --callback-listen (where the reverse proxy forwards the provider's callbacks to)")
        case (_?, nil):
            throw ValidationError("--callback-listen needs --callback-url (the public URL the provider is given)")
        case let (listen?, url?):
            guard let address = ListenAddress(listen) else {
                throw ValidationError("--callback-listen must be HOST:PORT, not \"\(listen)\"")
            }
            guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                  !(parsed.host ?? "").isEmpty, parsed.query == nil, parsed.fragment == nil
            else {
                throw ValidationError("--callback-url must be an http(s) URL without a query, not \"\(url)\"")
            }
            return CallbackSettings(listen: address, publicURL: url.hasSuffix("/") ? String(url.dropLast()) : url)
        }
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

/// Where a channel takes its provider's callbacks, and the URL the provider calls.
public struct CallbackSettings: Sendable, Equatable {
    public var listen: ListenAddress
    /// The public URL of the listener's root, without a trailing slash.
    public var publicURL: String
}
