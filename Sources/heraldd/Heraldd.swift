import ArgumentParser
import Foundation
import HeraldBus
import HeraldCore
import Logging
import ServiceLifecycle

/// The Herald core: owns the database, serves admin RPC, meets channel workers
/// and publishes booking events.
@main
struct Heraldd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heraldd",
        abstract: "The Herald core daemon.",
        discussion: """
            Every option falls back to an environment variable, then to a default. \
            Endpoints are ZeroMQ addresses; a port of * picks a free one (printed in the \
            ready line on stdout). The metrics endpoint, off unless asked for, is HTTP. \
            SIGTERM or SIGINT stops it cleanly; SIGHUP rereads --authorized-keys. \
            `heraldd copy` moves a stopped core's SQLite data into PostgreSQL.
            """,
        version: CoreVersion.current,
        subcommands: [CopyCommand.self])

    @Option(help: ArgumentHelp("The store: a SQLite file (default ./herald.db), or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] for PostgreSQL, where several cores can share one database ($HERALD_DB).", valueName: "path|url"))
    var db: String?

    @Option(
        name: .customLong("core-id"),
        help: ArgumentHelp("With PostgreSQL: this core's name in the leases it holds, unique among the cores of one database and the same across its restarts, so that a restarted core gives back its own leases at once ($HERALD_CORE_ID, default the host name).", valueName: "name"))
    var coreID: String?

    @Option(
        name: .customLong("channel-endpoint"),
        help: ArgumentHelp("Where channel workers connect ($HERALD_CHANNEL_ENDPOINT, default tcp://127.0.0.1:7401).", valueName: "endpoint"))
    var channelEndpoint: String?

    @Option(
        name: .customLong("admin-endpoint"),
        help: ArgumentHelp("Where the herald CLI connects ($HERALD_ADMIN_ENDPOINT, default tcp://127.0.0.1:7402).", valueName: "endpoint"))
    var adminEndpoint: String?

    @Option(
        name: .customLong("events-endpoint"),
        help: ArgumentHelp("Where booking events are published ($HERALD_EVENTS_ENDPOINT, default tcp://127.0.0.1:7403).", valueName: "endpoint"))
    var eventsEndpoint: String?

    @Option(
        name: .customLong("metrics-endpoint"),
        help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics; port 0 picks a free one (printed in the ready line). Unauthenticated: keep it on loopback or behind a proxy ($HERALD_METRICS_ENDPOINT, default off).", valueName: "host:port"))
    var metricsEndpoint: String?

    @Option(
        name: .customLong("curve-secret-key"),
        help: ArgumentHelp("Encrypt and authenticate every bus endpoint with CURVE, using the core's key file from `herald keys generate` ($HERALD_CURVE_SECRET_KEY). Needs --authorized-keys.", valueName: "file"))
    var curveSecretKey: String?

    @Option(
        name: .customLong("authorized-keys"),
        help: ArgumentHelp("With CURVE: the client keys admitted, one \"ROLE PUBLIC-KEY [NAME]\" per line, roles admin, channel, observer; reread on SIGHUP ($HERALD_AUTHORIZED_KEYS).", valueName: "file"))
    var authorizedKeys: String?

    @Flag(
        name: .customLong("insecure-bind"),
        help: ArgumentHelp("Allow endpoints on addresses other machines reach without CURVE (and the metrics endpoint, which is plain HTTP). Use it only on a private network you trust ($HERALD_INSECURE_BIND=1)."))
    var insecureBind = false

    @Option(
        name: .customLong("late-grace"),
        help: ArgumentHelp("How late a reminder may still go out (after downtime, or with no worker), in minutes; later ones are recorded missed ($HERALD_LATE_GRACE_MINUTES, default 15).", valueName: "minutes"))
    var lateGrace: Double?

    @Option(
        name: .customLong("heartbeat-interval"),
        help: ArgumentHelp("Seconds between heartbeats with channel workers; silent for 3 means dead ($HERALD_HEARTBEAT_INTERVAL, default 5).", valueName: "seconds"))
    var heartbeatInterval: Double?

    @Option(
        name: .customLong("lease"),
        help: ArgumentHelp("Seconds a worker may hold a delivery before it is handed out again ($HERALD_LEASE_SECONDS, default 60).", valueName: "seconds"))
    var lease: Double?

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp("The public base URL of herald-gateway (https://book.example.com), for the signed links in customers' messages: follow-up e-mails then carry a one-click unsubscribe link (List-Unsubscribe) to <url>/links/... ($HERALD_PUBLIC_URL, default none: no links).", valueName: "url"))
    var publicURL: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning, error or critical ($HERALD_LOG_LEVEL, default info).", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        HeapTuning.apply()
        let environment = ProcessInfo.processInfo.environment
        let configuration = CoreConfiguration(
            database: try database(environment),
            coreID: coreID ?? environment["HERALD_CORE_ID"] ?? ProcessInfo.processInfo.hostName,
            channelEndpoint: channelEndpoint ?? environment["HERALD_CHANNEL_ENDPOINT"] ?? "tcp://127.0.0.1:7401",
            adminEndpoint: adminEndpoint ?? environment["HERALD_ADMIN_ENDPOINT"] ?? "tcp://127.0.0.1:7402",
            eventsEndpoint: eventsEndpoint ?? environment["HERALD_EVENTS_ENDPOINT"] ?? "tcp://127.0.0.1:7403",
            metricsAddress: try metricsAddress(environment),
            dispatch: try dispatchConfiguration(environment),
            security: try security(environment),
            publicURL: try publicBaseURL(environment))
        let exposed = BindPolicy.exposed(
            [("--channel-endpoint", configuration.channelEndpoint), ("--admin-endpoint", configuration.adminEndpoint),
             ("--events-endpoint", configuration.eventsEndpoint)],
            metrics: configuration.metricsAddress, curve: configuration.security != nil)
        if !exposed.isEmpty, !insecureBind, environment["HERALD_INSECURE_BIND"] != "1" {
            let why = configuration.security == nil
                ? "the bus is neither encrypted nor authenticated. Bind 127.0.0.1, turn CURVE on (--curve-secret-key, --authorized-keys), or pass --insecure-bind"
                : "the metrics endpoint is plain HTTP without authentication. Bind it to 127.0.0.1, or pass --insecure-bind"
            throw ValidationError(
                "refusing to bind \(exposed.joined(separator: ", ")): other machines would reach it, and \(why) "
                    + "(HERALD_INSECURE_BIND=1) on a private network you trust.")
        }
        let levelName = logLevel ?? environment["HERALD_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "heraldd")

        let core: CoreDaemon
        do {
            core = try await CoreDaemon(configuration: configuration, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        try await core.run()
    }
}

extension Heraldd {
    /// `--db`, else `$HERALD_DB`, else ./herald.db; a malformed PostgreSQL URL stops the start (exit 64).
    func database(_ environment: [String: String]) throws -> DatabaseLocation {
        do {
            return try DatabaseLocation(parsing: db ?? environment["HERALD_DB"] ?? "./herald.db")
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `--curve-secret-key` and `--authorized-keys`, or their variables; a bad key file stops the start (exit 64).
    func security(_ environment: [String: String]) throws -> BusSecurity? {
        do {
            return try BusSecurity.resolve(
                secretKeyFile: curveSecretKey, authorizedKeysFile: authorizedKeys, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// `--public-url`, else `$HERALD_PUBLIC_URL`; unset or empty: no links. An http or
    /// https URL with a host and no query or fragment (links append `/links/<token>`).
    func publicBaseURL(_ environment: [String: String]) throws -> String? {
        guard let text = publicURL ?? environment["HERALD_PUBLIC_URL"], !text.isEmpty else { return nil }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else {
            throw ValidationError("--public-url must be an http(s) URL with a host and no query, user or fragment (https://book.example.com), not \"\(text)\"")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// `--metrics-endpoint`, else `$HERALD_METRICS_ENDPOINT`; unset or empty: off.
    func metricsAddress(_ environment: [String: String]) throws -> MetricsAddress? {
        guard let text = metricsEndpoint ?? environment["HERALD_METRICS_ENDPOINT"], !text.isEmpty else { return nil }
        guard let address = MetricsAddress(text) else {
            throw ValidationError("--metrics-endpoint must be HOST:PORT (e.g. 127.0.0.1:9464; port 0 picks a free one), not \"\(text)\"")
        }
        return address
    }

    func dispatchConfiguration(_ environment: [String: String]) throws -> DispatcherConfiguration {
        func number(_ option: Double?, _ variable: String, default value: Double, range: ClosedRange<Double>, flag: String) throws -> Double {
            let chosen = try option ?? environment[variable].map { text in
                guard let parsed = Double(text) else { throw ValidationError("$\(variable) must be a number, not \"\(text)\"") }
                return parsed
            } ?? value
            guard range.contains(chosen) else {
                throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound)")
            }
            return chosen
        }
        return DispatcherConfiguration(
            heartbeatInterval: try number(heartbeatInterval, "HERALD_HEARTBEAT_INTERVAL", default: 5, range: 0.05...300, flag: "--heartbeat-interval"),
            leaseDuration: try number(lease, "HERALD_LEASE_SECONDS", default: 60, range: 0.1...86400, flag: "--lease"),
            lateGrace: 60 * (try number(lateGrace, "HERALD_LATE_GRACE_MINUTES", default: 15, range: 0...10080, flag: "--late-grace")))
    }
}

enum CoreVersion {
    static let current = "0.1.0"
}
