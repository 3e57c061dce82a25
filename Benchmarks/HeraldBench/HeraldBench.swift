// herald-bench: measures a real heraldd from the outside.
//
//   swift build -c release && swift run -c release herald-bench [--quick] [--json]
//
// Admin scenarios: ZeroMQ RPC, field validation, the SQLite write with its
// booking event and planned jobs, from a client's view.
// Reminder-engine scenarios: dispatch throughput to real herald-test-channel
// workers, lateness of reminders due at a steady rate, booking ingest with the
// planner active, and the idle cost of a core holding a million future jobs.
//
// Each scenario starts the heraldd built next to this binary on free loopback
// ports and a fresh database in a temporary directory.
//
// Options:
//   --quick              smaller sizes, for a smoke run
//   --json               print one JSON document instead of the tables
//   --only LIST          comma-separated: admin, render, dispatch, lateness, idle (default all)
//   --workers K          herald-test-channel workers for dispatch throughput (default 2)
//   --dispatch-jobs N    confirmations for dispatch throughput (default 20000, quick 4000)
//   --lateness-jobs N    reminders for the lateness scenario (default 10000, quick 2000)
//   --lateness-rate R    reminders falling due per second (default 1000)
//   --idle-jobs N        future jobs for the idle scenario (default 1000000, quick 100000)
//   --idle-seconds S     length of the idle measurement (default 15, quick 5)
//   --curve              run every core, worker and client with CURVE (the cost of encryption)
import Foundation
import HeraldBus

struct Options {
    var quick = false
    var json = false
    var only: Set<String> = ["admin", "render", "dispatch", "lateness", "idle"]
    var workers = 2
    var dispatchJobs: Int?
    var latenessJobs: Int?
    var latenessRate = 1000
    var idleJobs: Int?
    var idleSeconds: Int?
    var curve = false

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let value = iterator.next() else { throw BenchError("\(name) needs a value") }
            return value
        }
        func number(_ name: String) throws -> Int {
            let text = try value(name)
            guard let number = Int(text.replacingOccurrences(of: "_", with: "")), number > 0 else {
                throw BenchError("\(name) needs a positive whole number, not \(text)")
            }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--quick": options.quick = true
            case "--curve": options.curve = true
            case "--json": options.json = true
            case "--only":
                options.only = Set(try value(argument).split(separator: ",").map(String.init))
                let unknown = options.only.subtracting(["admin", "render", "dispatch", "lateness", "idle"])
                guard unknown.isEmpty else { throw BenchError("unknown scenario(s) \(unknown.sorted()); use admin, render, dispatch, lateness, idle") }
            case "--workers": options.workers = try number(argument)
            case "--dispatch-jobs": options.dispatchJobs = try number(argument)
            case "--lateness-jobs": options.latenessJobs = try number(argument)
            case "--lateness-rate": options.latenessRate = try number(argument)
            case "--idle-jobs": options.idleJobs = try number(argument)
            case "--idle-seconds": options.idleSeconds = try number(argument)
            default: throw BenchError("unknown option \(argument); see the top of Benchmarks/HeraldBench/HeraldBench.swift")
            }
        }
        guard options.latenessRate <= 1000 else { throw BenchError("--lateness-rate is at most 1000 (due times are whole milliseconds)") }
        return options
    }
}

@main
enum HeraldBench {
    static func main() async {
        do {
            try await run()
        } catch {
            progress("\(error)")
            exit(1)
        }
    }

    static func run() async throws {
        let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
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
                environment: environment, context: context, jobs: options.dispatchJobs ?? (options.quick ? 4000 : 20_000),
                workers: options.workers, maxInFlight: 256)
            ingestRate = results.compactMap { $0.metrics["bookings_per_second"] }.first ?? ingestRate
            report.engine += results
        }
        await attempt("lateness") {
            report.engine += try await runLateness(
                environment: environment, context: context, jobs: options.latenessJobs ?? (options.quick ? 2000 : 10_000),
                rate: options.latenessRate, expectedIngestRate: ingestRate)
        }
        await attempt("idle") {
            report.engine += try await runIdle(
                environment: environment, context: context, jobs: options.idleJobs ?? (options.quick ? 100_000 : 1_000_000),
                seconds: options.idleSeconds ?? (options.quick ? 5 : 15))
        }

        if options.json {
            print(try report.json())
        } else {
            report.printTables()
        }
    }
}
