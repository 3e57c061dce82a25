import ArgumentParser
import Foundation
import HeraldBus
import Synchronization
import UnixSignals

/// `herald up`: the core and every channel program in one terminal.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the core, the HTTP gateway and every channel program found next to herald, in one terminal.",
        discussion: """
            Starts heraldd on an SQLite database in the state folder, waits until it is \
            ready, then starts herald-gateway (the HTTP API, on --gateway) and every \
            herald-* channel program found next to herald. Each \
            program's output is shown with its name in front. A channel whose credentials \
            are in the environment sends for real; one without them (it exits with status \
            78) is started again with --outbox, writes each message to the outbox folder as \
            JSON, and herald up says so. A program that crashes is restarted after 1, 2, 4 \
            ... up to 30 seconds. Ctrl-C or SIGTERM stops the channels, then the core; a \
            second Ctrl-C kills whatever is left. Every heraldd and channel environment \
            variable (HERALD_LATE_GRACE_MINUTES, SMTP_URL, TWILIO_ACCOUNT_SID, ...) reaches \
            the programs. Exit status: 0 after a clean stop, 1 when the core could not start.
            """)

    @Flag(help: "Also create a demo tenant and a booking whose confirmation and reminder go out within about a minute.")
    var demo = false

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("Folder for the database and the outbox.", valueName: "path"))
    var stateDirectory = ".herald"

    @Option(help: ArgumentHelp("The core's store: a SQLite file (default <state-dir>/herald.db) or a postgres:// URL (see heraldd --help).", valueName: "path|url"))
    var db: String?

    @Option(help: ArgumentHelp("Where channels without credentials write messages (default <state-dir>/outbox).", valueName: "path"))
    var outbox: String?

    @Option(
        name: .customLong("channels"),
        help: ArgumentHelp("Comma-separated channel programs to start (default every herald-* program next to herald).", valueName: "names"))
    var channels: CommaList?

    @Option(
        name: .customLong("bin-dir"),
        help: ArgumentHelp("Folder holding heraldd and the channel programs (default the folder of this herald).", valueName: "path"))
    var binDirectory: String?

    @Option(
        name: .customLong("channel-endpoint"),
        help: ArgumentHelp("The core's channel endpoint (default heraldd's: $HERALD_CHANNEL_ENDPOINT or tcp://127.0.0.1:7401).", valueName: "endpoint"))
    var channelEndpoint: String?

    @Option(
        name: .customLong("admin-endpoint"),
        help: ArgumentHelp("The core's admin endpoint (default heraldd's: $HERALD_ADMIN_ENDPOINT or tcp://127.0.0.1:7402).", valueName: "endpoint"))
    var adminEndpoint: String?

    @Option(
        name: .customLong("events-endpoint"),
        help: ArgumentHelp("The core's event endpoint (default heraldd's: $HERALD_EVENTS_ENDPOINT or tcp://127.0.0.1:7403).", valueName: "endpoint"))
    var eventsEndpoint: String?

    @Option(
        name: .customLong("gateway"),
        help: ArgumentHelp("Where herald-gateway serves the HTTP API (port 0: a free one).", valueName: "host:port"))
    var gatewayListen = "127.0.0.1:8080"

    @Flag(name: .customLong("no-gateway"), help: "Do not start herald-gateway.")
    var noGateway = false

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("Log level for every program (default each program's own: info).", valueName: "level"))
    var logLevel: String?

    @Flag(help: "Encrypt and authenticate the bus with CURVE, with keys kept in <state-dir>/keys (made on first use): core, admin (gateway, demo, your CLI) and channel (every channel program).")
    var curve = false

    @Flag(name: .customLong("no-color"), help: "Plain output even on a terminal (NO_COLOR does the same).")
    var noColor = false

    /// Seconds from now to the demo booking's start; tests shorten it so the reminder is due at once.
    @Option(name: .customLong("demo-lead"), help: .hidden)
    var demoLead: Int = 120

    @Option(
        name: .customLong("stop-timeout"),
        help: ArgumentHelp("Seconds each program gets to stop on its own before it is killed.", valueName: "seconds"))
    var stopTimeout: Int = 30

    func validate() throws {
        guard demoLead >= 61, demoLead <= 3600 else { throw ValidationError("--demo-lead must be 61 to 3600 seconds") }
        guard stopTimeout >= 1, stopTimeout <= 600 else { throw ValidationError("--stop-timeout must be 1 to 600 seconds") }
    }

    func run() async throws {
        Self.unblockStopSignals()
        let environment = ProcessInfo.processInfo.environment
        let catalog: ProgramCatalog
        do {
            catalog = try ProgramCatalog(
                directory: binDirectory.map { URL(fileURLWithPath: $0) } ?? ProgramCatalog.ownDirectory(),
                only: channels?.items)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let outboxDirectory = outbox ?? "\(stateDirectory)/outbox"
        let databasePath = db ?? "\(stateDirectory)/herald.db"
        // A PostgreSQL URL names no folder to create.
        let isURL = databasePath.hasPrefix("postgres://") || databasePath.hasPrefix("postgresql://")
        let databaseFolder = isURL ? "" : (databasePath as NSString).deletingLastPathComponent
        for folder in [stateDirectory, outboxDirectory, databaseFolder] where !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        let gateway = noGateway ? nil : catalog.gateway
        let names = ["heraldd"] + (gateway == nil ? [] : ["herald-gateway"]) + catalog.channels.map(\.lastPathComponent)
        let console = UpConsole(names: names, useColor: !noColor && UpConsole.colorIsWanted(environment: environment))
        let programs = ProgramRegistry()
        // Everything the main flow waits for arrives here, in order.
        let (events, emit) = AsyncStream.makeStream(of: UpEvent.self)
        var nextEvent = events.makeAsyncIterator()

        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let signalWatcher = Task {
            var received = signals.makeAsyncIterator()
            guard let signal = await received.next() else { return }
            emit.yield(.stop(.signal("\(signal)")))
            let first = ContinuousClock.now
            while await received.next() != nil {
                // `timeout` and some shells signal the process and its group at once:
                // one request, not an impatient second Ctrl-C.
                guard ContinuousClock.now - first > .seconds(1) else { continue }
                console.warn("second stop signal: killing every program now")
                programs.killAll()
                return
            }
        }
        defer { signalWatcher.cancel() }

        var keys: KeySet?
        if curve {
            do {
                let (prepared, made) = try KeySet.prepare(in: URL(fileURLWithPath: stateDirectory).appendingPathComponent("keys"))
                console.say("CURVE on: \(made ? "made new keys in" : "keys from") \(prepared.directory.path)")
                keys = prepared
            } catch {
                console.fail("cannot prepare the CURVE keys: \(error)")
                throw ExitCode.failure
            }
        }

        // The core first: everything else needs its endpoints.
        let baseArguments = ["--db", databasePath] + (logLevel.map { ["--log-level", $0] } ?? []) + (keys?.coreArguments ?? [])
        let ready = Mutex(false)
        let core = SupervisedProgram(
            name: "heraldd", executable: catalog.core, arguments: baseArguments + endpointArguments(), console: console,
            onLine: { line in
                if let endpoints = CoreEndpoints(readyLine: line) { emit.yield(.coreReady(endpoints)) }
            },
            decide: { _ in
                // Once it has been ready a crash is restarted; before, it cannot start
                // (a port in use, an unreadable database) and retrying will not help.
                ready.withLock { $0 } ? .restart : .giveUp
            })
        programs.add(core)
        // Never the password of a PostgreSQL URL.
        let shownDatabase = isURL ? databasePath.replacing(/:[^:@\/]*@/, with: ":***@") : databasePath
        console.say("starting heraldd on \(shownDatabase) (a new database is created and migrated first)")
        let coreTask = Task {
            let exit = await core.supervise()
            emit.yield(.stop(.coreExited(exit.summary)))
            return exit
        }
        let progress = Task {
            let started = ContinuousClock.now
            while true {
                try await Task.sleep(for: .seconds(3))
                console.say("still waiting for heraldd to be ready (\((ContinuousClock.now - started).components.seconds) s)…")
            }
        }
        var endpoints: CoreEndpoints?
        var stopReason: StopReason?
        while endpoints == nil, stopReason == nil, let event = await nextEvent.next() {
            switch event {
            case .coreReady(let bound): endpoints = bound
            case .stop(let reason): stopReason = reason
            }
        }
        progress.cancel()

        var channelTasks: [(program: SupervisedProgram, task: Task<SupervisedProgram.Exit, Never>)] = []
        var demoTask: Task<Void, Never>?
        if let endpoints, stopReason == nil {
            ready.withLock { $0 = true }
            core.setArguments(baseArguments + endpoints.bindArguments)
            if let gateway {
                // Stopped with the channels, before the core.
                let program = gatewayProgram(gateway, endpoints: endpoints, keys: keys, console: console)
                programs.add(program)
                channelTasks.append((program, Task { await program.supervise() }))
            }
            for executable in catalog.channels {
                let program = channelProgram(
                    executable, endpoints: endpoints, keys: keys, outboxDirectory: outboxDirectory, console: console)
                programs.add(program)
                channelTasks.append((program, Task { await program.supervise() }))
            }
            let channelList = catalog.channels.map(\.lastPathComponent).joined(separator: ", ")
            console.say(
                """
                Herald is up: admin \(endpoints.admin), channels \(endpoints.channel), events \(endpoints.events)
                \(catalog.channels.isEmpty ? "no channel programs were found next to herald" : "channel programs: \(channelList)")
                \(gatewayHint(gateway))
                \(coreHint(endpoints, keys: keys))the CLI is \(cliInvocation()) (--help lists its commands); Ctrl-C stops everything
                """)
            if demo {
                demoTask = Task {
                    await Demo(
                        adminEndpoint: endpoints.admin, curve: try? keys?.adminCurve(), lead: .seconds(demoLead),
                        outboxDirectory: outboxDirectory,
                        cliInvocation: cliInvocation(),
                        expectsEmailChannel: catalog.channels.contains { $0.lastPathComponent == "herald-email-smtp" },
                        consoleAddress: gateway == nil ? nil : consoleAddress(),
                        console: console
                    ).run()
                }
            }
            // Run until told to stop (or the core gives up). Later ready lines are restarts.
            while stopReason == nil, let event = await nextEvent.next() {
                if case .stop(let reason) = event { stopReason = reason }
            }
        }
        demoTask?.cancel()

        let reason = stopReason ?? .signal("end of events")
        if case .coreExited(let summary) = reason, !ready.withLock({ $0 }) {
            console.fail("heraldd \(summary) before it was ready; its output is above")
        }
        console.say("stopping (\(reason)): the channels first, then heraldd")
        for entry in channelTasks { entry.program.stop() }
        for entry in channelTasks { await stop(entry.program, entry.task, console: console) }
        core.stop()
        await stop(core, coreTask, console: console)
        if case .coreExited = reason { throw ExitCode.failure }
    }

    /// Waits for a stopping program, killing it after `--stop-timeout`.
    private func stop(_ program: SupervisedProgram, _ task: Task<SupervisedProgram.Exit, Never>, console: UpConsole) async {
        let timeout = stopTimeout
        let killer = Task {
            try await Task.sleep(for: .seconds(timeout))
            console.warn("\(program.name) did not stop within \(timeout) s; killing it")
            program.kill()
        }
        _ = await task.value
        killer.cancel()
    }

    private func endpointArguments() -> [String] {
        var arguments: [String] = []
        if let channelEndpoint { arguments += ["--channel-endpoint", channelEndpoint] }
        if let adminEndpoint { arguments += ["--admin-endpoint", adminEndpoint] }
        if let eventsEndpoint { arguments += ["--events-endpoint", eventsEndpoint] }
        return arguments
    }

    private func channelProgram(
        _ executable: URL, endpoints: CoreEndpoints, keys: KeySet?, outboxDirectory: String, console: UpConsole
    ) -> SupervisedProgram {
        let name = executable.lastPathComponent
        var arguments = ["--core", endpoints.channel] + (keys?.clientArguments("channel") ?? [])
        if let logLevel { arguments += ["--log-level", logLevel] }
        return SupervisedProgram(name: name, executable: executable, arguments: arguments, console: console) { exit in
            // 78 (EX_CONFIG) is how a channel says its credentials are missing.
            guard exit.exitCode == 78 else { return .restart }
            if exit.hadExtraArguments {
                console.fail("\(name) refuses to start even with --outbox; not restarting it (its reason is above)")
                return .giveUp
            }
            console.warn(
                """
                \(name) has no credentials, so it sends NOTHING for real: its messages go to \(outboxDirectory)/ as JSON files.
                Set its variables (\(name) --help lists them) and restart herald up to send for real.
                """)
            return .restartAdding(["--outbox", outboxDirectory])
        }
    }

    /// `herald-gateway --listen ... --core <admin>`; restarted after a crash, but not
    /// when it never got ready (a port in use will not free itself).
    private func gatewayProgram(
        _ executable: URL, endpoints: CoreEndpoints, keys: KeySet?, console: UpConsole
    ) -> SupervisedProgram {
        var arguments = ["--listen", gatewayListen, "--core", endpoints.admin] + (keys?.clientArguments("admin") ?? [])
        if let logLevel { arguments += ["--log-level", logLevel] }
        let ready = Mutex(false)
        return SupervisedProgram(
            name: "herald-gateway", executable: executable, arguments: arguments, console: console,
            onLine: { line in
                if line.hasPrefix("herald-gateway ready") { ready.withLock { $0 = true } }
            },
            decide: { _ in
                if ready.withLock({ $0 }) { return .restart }
                console.fail("herald-gateway could not start (its reason is above); the core and the channels keep running")
                return .giveUp
            })
    }

    private func gatewayHint(_ gateway: URL?) -> String {
        guard gateway != nil else {
            return noGateway ? "the HTTP gateway is off (--no-gateway)" : "herald-gateway was not found next to herald: no HTTP API"
        }
        let address = gatewayListen.hasSuffix(":0") ? "a free port (its ready line names it)" : "http://\(gatewayListen)"
        return "HTTP API (herald-gateway, docs/gateway.md) on \(address), web console at \(consoleAddress()); "
            + "make a key with: \(cliInvocation()) apikey create TENANT"
    }

    /// The web console's URL, or where to find it when the gateway picks its port.
    private func consoleAddress() -> String {
        gatewayListen.hasSuffix(":0") ? "the console= address of herald-gateway's ready line" : "http://\(gatewayListen)/console"
    }

    /// How the hints spell the CLI: `herald` when this one is on PATH, else its full path.
    private func cliInvocation() -> String {
        let own = ProgramCatalog.ownDirectory().appendingPathComponent("herald").path
        let onPath = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { folder in
            URL(fileURLWithPath: String(folder)).appendingPathComponent("herald").resolvingSymlinksInPath().path == own
        }
        return onPath ? "herald" : own
    }

    /// The CLI finds a core on another admin endpoint through HERALD_CORE.
    private func coreHint(_ endpoints: CoreEndpoints, keys: KeySet?) -> String {
        var exports: [String] = []
        if endpoints.admin != CoreEndpoints.defaultAdmin { exports.append("HERALD_CORE=\(endpoints.admin)") }
        if let keys {
            exports += keys.clientEnvironment("admin")
        }
        return exports.isEmpty ? "" : "in another terminal, first: export \(exports.joined(separator: " "))\n"
    }

    /// A parent may start us with SIGINT or SIGTERM blocked (test runners do); a
    /// blocked stop signal would never reach the handler.
    private static func unblockStopSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}

/// What the main flow of `herald up` waits for.
enum UpEvent: Sendable {
    case coreReady(CoreEndpoints)
    case stop(StopReason)
}

/// Why `herald up` stops.
enum StopReason: Sendable, CustomStringConvertible {
    case signal(String)
    case coreExited(String)

    var description: String {
        switch self {
        case .signal(let name): "\(name) received"
        case .coreExited(let summary): "heraldd \(summary) and is not restarted"
        }
    }
}

/// Every program `herald up` started, for a second Ctrl-C to kill at once.
final class ProgramRegistry: Sendable {
    private let programs = Mutex<[SupervisedProgram]>([])

    func add(_ program: SupervisedProgram) {
        programs.withLock { $0.append(program) }
    }

    func killAll() {
        for program in programs.withLock({ $0 }) { program.kill() }
    }
}
