import ArgumentParser
import Foundation
import HeraldBus
import Hummingbird
import Logging

/// `herald-gateway`: the HTTP/JSON API for booking apps. Each call becomes one or
/// more admin RPCs to the core, so the core keeps one way in.
@main
struct HeraldGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-gateway",
        abstract: "Serve Herald's REST/JSON API for booking apps, backed by the core's admin RPC.",
        discussion: """
            Callers authenticate with "Authorization: Bearer KEY", a key from \
            `herald apikey create`. Prints "herald-gateway ready listen=http://HOST:PORT" \
            once it accepts connections (--listen HOST:0 picks a free port); SIGTERM or \
            SIGINT stops it after the requests in flight. The web console is at /console: \
            sign in there with the same kind of key (docs/console.md).
            """,
        version: "0.1.0")

    @Option(help: ArgumentHelp("Address to serve HTTP on.", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(
        name: .customLong("core"),
        help: ArgumentHelp(
            "The core's admin endpoint, or several cores' comma-separated: requests go to the ones that answer (default: $HERALD_CORE or tcp://127.0.0.1:7402).", valueName: "endpoint"))
    var coreEndpoint: String?

    @Option(help: ArgumentHelp("Seconds to wait for the core's answer.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(name: .customLong("curve-secret-key"), help: ArgumentHelp(CurveClientKeys.secretKeyHelp + " The key needs the admin role.", valueName: "file"))
    var curveSecretKey: String?

    @Option(name: .customLong("curve-server-key"), help: ArgumentHelp(CurveClientKeys.serverKeyHelp, valueName: "key|file"))
    var curveServerKey: String?

    @Flag(help: "Serve no web console at /console (the API and the link pages only).")
    var noConsole = false

    @Option(help: ArgumentHelp("Hours a console sign-in lasts before the browser must sign in again.", valueName: "hours"))
    var consoleSessionHours: Double = 12

    @Option(help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level = .info

    /// The gateway's CURVE keys for the core, from the flags or the environment.
    func curve() throws -> CurveOptions? {
        do {
            return try CurveClientKeys.resolve(secretKeyFile: curveSecretKey, serverKey: curveServerKey)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func validate() throws {
        guard ListenAddress(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
        }
        _ = try curve()
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds")
        }
        guard consoleSessionHours > 0, consoleSessionHours <= 24 * 30 else {
            throw ValidationError("--console-session-hours must be more than 0 and at most 720 (30 days)")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "herald-gateway")
        logger.logLevel = logLevel
        let address = ListenAddress(listen)!
        let endpoint = coreEndpoint ?? ProcessInfo.processInfo.environment["HERALD_CORE"] ?? "tcp://127.0.0.1:7402"

        let core = try CoreClient(
            endpoint: endpoint, timeout: .milliseconds(Int(timeout * 1000)), curve: try curve(), logger: logger)
        defer { core.close() }
        let api = GatewayAPI(core: core)
        let router = api.router()
        if !noConsole {
            let sessions = ConsoleSessions(lifetime: consoleSessionHours * 3600)
            Console(api: api, sessions: sessions, renderer: try ConsoleRenderer()).addRoutes(to: router)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "herald-gateway"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let console = noConsole ? "" : " console=http://\(address.host):\(port)/console"
                let line = "herald-gateway ready listen=http://\(address.host):\(port) core=\(endpoint)\(console)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger)
        try await app.runService()
        logger.info("herald-gateway stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

