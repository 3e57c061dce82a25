// herald-bench: measures a real heraldd from the outside.
//
//   swift build -c release && swift run -c release herald-bench [--quick] [--json]
//
// `herald-bench --help` lists every scenario and option. Each scenario starts the
// heraldd built next to this binary on free loopback ports and a fresh database
// in a temporary directory.
import ArgumentParser
import Foundation
import HeraldBus

/// A scenario `--only` can pick.
enum Scenario: String, CaseIterable, Sendable {
    case admin, render, dispatch, pacing, lateness, cluster, gateway, callbacks, idle, console

    var help: String {
        switch self {
        case .admin:
            "admin RPC throughput and latency from a client's view: ZeroMQ RPC, field validation, the SQLite write with its booking event and planned jobs"
        case .render: "template rendering in process, one thread"
        case .dispatch: "dispatch throughput to real herald-test-channel workers, and booking ingest with the planner active"
        case .pacing: "dispatch to workers holding --pacing-accounts provider accounts, unpaced and then each with a rate of its own: what pacing costs"
        case .lateness: "lateness of reminders falling due at a steady rate, at each of --lateness-rates"
        case .cluster: "reminders all due in the same second (appointments on the hour): drain time, lateness"
        case .gateway: "herald-gateway's POST /api/tenants/{t}/bookings under wrk, with a heraldd behind it"
        case .callbacks: "herald-sms-twilio's callback listener under signed Twilio status callbacks from wrk, each stored by a heraldd"
        case .idle: "the idle cost of a core holding many future jobs"
        case .console: "the web console's lists (search by customer, today, upcoming) on one tenant with --console-bookings bookings"
        }
    }
}

/// `--only admin,dispatch`: a comma-separated set of scenarios.
struct ScenarioList: ExpressibleByArgument, Sendable {
    var scenarios: Set<Scenario>

    static let all = ScenarioList(scenarios: Set(Scenario.allCases))

    init(scenarios: Set<Scenario>) {
        self.scenarios = scenarios
    }

    init?(argument: String) {
        let names = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let scenarios = names.compactMap(Scenario.init(rawValue:))
        guard !names.isEmpty, scenarios.count == names.count else { return nil }
        self.scenarios = Set(scenarios)
    }

    func contains(_ name: String) -> Bool {
        Scenario(rawValue: name).map(scenarios.contains) ?? false
    }

    var defaultValueDescription: String {
        Scenario.allCases.filter(scenarios.contains).map(\.rawValue).joined(separator: ",")
    }

    static var allValueStrings: [String] { Scenario.allCases.map(\.rawValue) }

    static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: Scenario.allCases.map { ($0.rawValue, $0.help) })
    }
}

/// A count or a rate: a positive whole number, `_` allowed between digits (`1_000_000`).
struct Count: ExpressibleByArgument, Sendable {
    var value: Int

    init(_ value: Int) {
        self.value = value
    }

    init?(argument: String) {
        guard let number = Int(argument.replacingOccurrences(of: "_", with: "")), number > 0 else { return nil }
        value = number
    }

    var defaultValueDescription: String { "\(value)" }
}

/// `--lateness-rates 1000,5000`: comma-separated counts, each as ``Count`` reads it.
struct CountList: ExpressibleByArgument, Sendable {
    var values: [Int]

    init(_ values: [Int]) {
        self.values = values
    }

    init?(argument: String) {
        let counts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Count(argument: String($0)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else { return nil }
        values = counts.compactMap { $0?.value }
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

struct Options: ParsableArguments {
    @Flag(help: "Smaller sizes, for a smoke run (about a quarter of the operations).")
    var quick = false

    @Flag(help: "Print one JSON document on stdout instead of the tables (progress stays on stderr).")
    var json = false

    @Option(help: ArgumentHelp("The scenarios to run, comma-separated.", valueName: "list"))
    var only = ScenarioList.all

    @Option(help: ArgumentHelp("Workers for the dispatch scenario (herald-test-channel processes) and the cluster scenario (in-bench), 256 in flight each.", valueName: "k"))
    var workers = Count(2)

    @Option(help: ArgumentHelp("Confirmations for the dispatch scenario (default 20000, with --quick 4000).", valueName: "n"))
    var dispatchJobs: Count?

    @Option(help: ArgumentHelp("Provider accounts in the pacing scenario, one event type each.", valueName: "n"))
    var pacingAccounts = Count(1000)

    @Option(help: ArgumentHelp("Reminders for each run of the lateness scenario (default 10000 or 5 s of them, whichever is more; with --quick 2 s of them).", valueName: "n"))
    var latenessJobs: Count?

    @Option(help: ArgumentHelp("One rate for the lateness scenario instead of --lateness-rates: reminders falling due per second.", valueName: "r"))
    var latenessRate: Count?

    @Option(help: ArgumentHelp("The rates the lateness scenario runs at, one heraldd each, comma-separated (default 1000,5000; several reminders may share a millisecond).", valueName: "list"))
    var latenessRates: CountList?

    /// The lateness runs: `--lateness-rate` alone, else `--lateness-rates`, else issue 15's two rates.
    var latenessRateList: [Int] { latenessRate.map { [$0.value] } ?? latenessRates?.values ?? [1000, 5000] }

    @Option(help: ArgumentHelp("Reminders due in the same second in the cluster scenario (default 100000, with --quick 20000).", valueName: "n"))
    var clusterReminders: Count?

    @Option(help: ArgumentHelp("Seconds of load in the gateway scenario (default 10, with --quick 3).", valueName: "s"))
    var gatewaySeconds: Count?

    @Option(help: ArgumentHelp("HTTP connections wrk keeps open in the gateway scenario.", valueName: "c"))
    var gatewayConnections = Count(32)

    @Option(help: ArgumentHelp("Seconds of load in the callbacks scenario (default 5, with --quick 3).", valueName: "s"))
    var callbackSeconds: Count?

    @Option(help: ArgumentHelp("HTTP connections wrk keeps open in the callbacks scenario.", valueName: "c"))
    var callbackConnections = Count(32)

    @Option(help: ArgumentHelp("Sent messages the callbacks scenario reports on (default 20000, with --quick 8000).", valueName: "n"))
    var callbackMessages: Count?

    @Option(help: ArgumentHelp("Future jobs for the idle scenario (default 1000000, with --quick 100000).", valueName: "n"))
    var idleJobs: Count?

    @Option(help: ArgumentHelp("Seconds of the idle measurement (default 15, with --quick 5).", valueName: "s"))
    var idleSeconds: Count?

    @Option(help: ArgumentHelp("Bookings of the one tenant in the console scenario (default 100000, with --quick 20000).", valueName: "n"))
    var consoleBookings: Count?

    @Flag(help: "Run every core, worker and client with CURVE, to measure the cost of encryption.")
    var curve = false

    @Option(help: ArgumentHelp("Run every core on PostgreSQL instead of SQLite: each scenario creates a fresh database on this server (the role needs CREATEDB; needs psql). Default: SQLite files.", valueName: "postgres://USER:PASSWORD@HOST:PORT/DATABASE"))
    var db: String?

    @Option(help: ArgumentHelp("With --db: cores on one database in the dispatch and lateness scenarios, clients and workers spread over them in turn (default 1).", valueName: "n"))
    var cores = Count(1)

    func validate() throws {
        // Two spellings of one setting: refuse rather than guess which one was meant.
        if latenessRate != nil && latenessRates != nil {
            throw ValidationError("give --lateness-rate or --lateness-rates, not both")
        }
    }
}

@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Measure a real heraldd from the outside.",
        discussion: """
            Runs the heraldd, herald-test-channel and (for the gateway and callbacks scenarios) herald-gateway and \
            herald-sms-twilio built next to this \
            binary (swift build -c release), each \
            scenario on free loopback ports with a fresh database in a temporary directory, and prints a table per \
            scenario. HERALD_BENCH_LATENESS_CSV=FILE writes each reminder's lateness of the lateness scenario to FILE. \
            The gateway and callbacks scenarios need wrk (Debian/Ubuntu: apt-get install -y wrk), the idle, cluster and console \
            scenarios the sqlite3 shell (with --db, psql). BENCHMARKS.md explains the figures.
            """)

    @OptionGroup var options: Options

    func run() async throws {
        let options = options
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let heraldd = binDirectory.appendingPathComponent("heraldd").path
        let testChannel = binDirectory.appendingPathComponent("herald-test-channel").path
        // herald-gateway is looked for by its scenario only, which says so when it is missing.
        let gateway = binDirectory.appendingPathComponent("herald-gateway").path
        for path in [heraldd, testChannel] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError("no \(URL(fileURLWithPath: path).lastPathComponent) next to me at \(path); run `swift build -c release` first")
        }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = BenchEnvironment(heraldd: heraldd, testChannel: testChannel, gateway: gateway, directory: directory)
        if options.curve { environment.curve = try BenchCurve(directory: directory) }
        if let server = options.db {
            guard server.hasPrefix("postgres://") || server.hasPrefix("postgresql://") else {
                throw BenchError("--db takes a postgres:// URL (SQLite is the default)")
            }
            environment.postgresServer = server.replacingOccurrences(of: "?sslmode=disable", with: "")
        }
        guard options.cores.value == 1 || options.db != nil else {
            throw BenchError("--cores needs --db: several cores share a PostgreSQL database, never a SQLite file")
        }
        environment.cores = options.cores.value
        let context = try ZMQContext()

        var report = BenchReport(options: options)
        /// Runs one part of a scenario; a failure becomes a row under `label` and the next part still runs.
        func attempt(_ scenario: String, label: String? = nil, _ body: () async throws -> Void) async {
            guard options.only.contains(scenario) else { return }
            do {
                try await body()
            } catch {
                let label = label ?? scenario
                progress("\(label) failed: \(error)")
                report.engine.append(EngineResult(scenario: label, size: 0, result: "failed", target: "", met: nil, notes: ["\(error)"]))
            }
        }

        var ingestRate = 2000.0
        await attempt("admin") {
            report.admin = try await runAdminScenarios(environment: environment, context: context, quick: options.quick).map(AdminRow.init)
        }
        await attempt("render") {
            report.engine += runRendering(renders: options.quick ? 2000 : 20_000)
        }
        await attempt("dispatch") {
            let results = try await runDispatchThroughput(
                environment: environment, context: context, jobs: options.dispatchJobs?.value ?? (options.quick ? 4000 : 20_000),
                workers: options.workers.value, maxInFlight: 256)
            ingestRate = results.compactMap { $0.metrics["bookings_per_second"] }.first ?? ingestRate
            report.engine += results
        }
        await attempt("pacing") {
            report.engine += try await runPacing(
                environment: environment, context: context, jobs: options.dispatchJobs?.value ?? (options.quick ? 4000 : 20_000),
                workers: options.workers.value, accounts: options.pacingAccounts.value)
        }
        // The setup makes every booking before the first reminder falls due, so it plans on a
        // share of the ingest rate seen so far: 40 % of the dispatch scenario's (no worker
        // connected there), then 60 % of what the previous lateness run's setup achieved.
        var setupRate = max(ingestRate * 0.4, 300)
        for rate in options.latenessRateList {
            await attempt("lateness", label: "lateness at \(rate) due/s") {
                let results = try await runLateness(
                    environment: environment, context: context,
                    jobs: options.latenessJobs?.value ?? (options.quick ? 2 * rate : max(10_000, 5 * rate)),
                    rate: rate, setupRate: setupRate)
                if let achieved = results.compactMap({ $0.metrics["setup_bookings_per_second"] }).first {
                    setupRate = max(achieved * 0.6, 300)
                }
                report.engine += results
            }
        }
        await attempt("cluster") {
            report.engine += try await runCluster(
                environment: environment, context: context, reminders: options.clusterReminders?.value ?? (options.quick ? 20_000 : 100_000),
                workers: options.workers.value)
        }
        await attempt("gateway") {
            report.engine += try await runGateway(
                environment: environment, context: context, seconds: options.gatewaySeconds?.value ?? (options.quick ? 3 : 10),
                connections: options.gatewayConnections.value)
        }
        await attempt("callbacks") {
            report.engine += try await runCallbacks(
                environment: environment, context: context,
                messages: options.callbackMessages?.value ?? (options.quick ? 8000 : 20_000),
                seconds: options.callbackSeconds?.value ?? (options.quick ? 3 : 5),
                connections: options.callbackConnections.value)
        }
        await attempt("idle") {
            report.engine += try await runIdle(
                environment: environment, context: context, jobs: options.idleJobs?.value ?? (options.quick ? 100_000 : 1_000_000),
                seconds: options.idleSeconds?.value ?? (options.quick ? 5 : 15))
        }

        await attempt("console") {
            report.admin += try await runConsoleLists(
                environment: environment, context: context,
                bookings: options.consoleBookings?.value ?? (options.quick ? 20_000 : 100_000), quick: options.quick
            ).map(AdminRow.init)
        }

        if options.json {
            print(try report.json())
        } else {
            report.printTables()
        }
    }
}
