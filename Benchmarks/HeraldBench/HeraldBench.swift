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
    case admin, render, dispatch, lateness, idle

    var help: String {
        switch self {
        case .admin:
            "admin RPC throughput and latency from a client's view: ZeroMQ RPC, field validation, the SQLite write with its booking event and planned jobs"
        case .render: "template rendering in process, one thread"
        case .dispatch: "dispatch throughput to real herald-test-channel workers, and booking ingest with the planner active"
        case .lateness: "lateness of reminders falling due at a steady rate"
        case .idle: "the idle cost of a core holding many future jobs"
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

struct Options: ParsableArguments {
    @Flag(help: "Smaller sizes, for a smoke run (about a quarter of the operations).")
    var quick = false

    @Flag(help: "Print one JSON document on stdout instead of the tables (progress stays on stderr).")
    var json = false

    @Option(help: ArgumentHelp("The scenarios to run, comma-separated.", valueName: "list"))
    var only = ScenarioList.all

    @Option(help: ArgumentHelp("herald-test-channel workers for the dispatch scenario.", valueName: "k"))
    var workers = Count(2)

    @Option(help: ArgumentHelp("Confirmations for the dispatch scenario (default 20000, with --quick 4000).", valueName: "n"))
    var dispatchJobs: Count?

    @Option(help: ArgumentHelp("Reminders for the lateness scenario (default 10000, with --quick 2000).", valueName: "n"))
    var latenessJobs: Count?

    @Option(help: ArgumentHelp("Reminders falling due per second in the lateness scenario, at most 1000 (due times are whole milliseconds).", valueName: "r"))
    var latenessRate = Count(1000)

    @Option(help: ArgumentHelp("Future jobs for the idle scenario (default 1000000, with --quick 100000).", valueName: "n"))
    var idleJobs: Count?

    @Option(help: ArgumentHelp("Seconds of the idle measurement (default 15, with --quick 5).", valueName: "s"))
    var idleSeconds: Count?

    @Flag(help: "Run every core, worker and client with CURVE, to measure the cost of encryption.")
    var curve = false

    func validate() throws {
        guard latenessRate.value <= 1000 else {
            throw ValidationError("--lateness-rate is at most 1000 (due times are whole milliseconds)")
        }
    }
}

@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Measure a real heraldd from the outside.",
        discussion: """
            Runs the heraldd and herald-test-channel built next to this binary (swift build -c release), each \
            scenario on free loopback ports with a fresh database in a temporary directory, and prints a table per \
            scenario. HERALD_BENCH_LATENESS_CSV=FILE writes each reminder's lateness of the lateness scenario to FILE. \
            BENCHMARKS.md explains the figures.
            """)

    @OptionGroup var options: Options

    func run() async throws {
        let options = options
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let heraldd = binDirectory.appendingPathComponent("heraldd").path
        let testChannel = binDirectory.appendingPathComponent("herald-test-channel").path
        for path in [heraldd, testChannel] where !FileManager.default.isExecutableFile(atPath: path) {
            throw BenchError("no \(URL(fileURLWithPath: path).lastPathComponent) next to me at \(path); run `swift build -c release` first")
        }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = BenchEnvironment(heraldd: heraldd, testChannel: testChannel, directory: directory)
        if options.curve { environment.curve = try BenchCurve(directory: directory) }
        let context = try ZMQContext()

        var report = BenchReport(options: options)
        func attempt(_ scenario: String, _ body: () async throws -> Void) async {
            guard options.only.contains(scenario) else { return }
            do {
                try await body()
            } catch {
                progress("\(scenario) failed: \(error)")
                report.engine.append(EngineResult(scenario: scenario, size: 0, result: "failed", target: "", met: nil, notes: ["\(error)"]))
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
        await attempt("lateness") {
            report.engine += try await runLateness(
                environment: environment, context: context, jobs: options.latenessJobs?.value ?? (options.quick ? 2000 : 10_000),
                rate: options.latenessRate.value, expectedIngestRate: ingestRate)
        }
        await attempt("idle") {
            report.engine += try await runIdle(
                environment: environment, context: context, jobs: options.idleJobs?.value ?? (options.quick ? 100_000 : 1_000_000),
                seconds: options.idleSeconds?.value ?? (options.quick ? 5 : 15))
        }

        if options.json {
            print(try report.json())
        } else {
            report.printTables()
        }
    }
}
