// The tables herald-bench prints, and the same figures as one JSON document.
import Foundation

struct AdminRow: Codable {
    var scenario: String
    var clients: Int
    var operations: Int
    var opsPerSecond: Double
    var p50Ms: Double
    var p99Ms: Double
    var maxMs: Double
    /// heraldd's CPU per operation (the clients' own CPU not included).
    var heralddCpuUsPerOp: Double

    init(_ figures: Figures) {
        scenario = figures.name
        clients = figures.concurrency
        operations = figures.operations
        opsPerSecond = figures.rate
        p50Ms = figures.percentile(0.5)
        p99Ms = figures.percentile(0.99)
        maxMs = figures.latencies.last ?? 0
        heralddCpuUsPerOp = figures.cpuMicrosecondsPerOperation
    }
}

struct Machine: Codable {
    var cores: Int
    var loadAverage: String
    var kernel: String

    static var current: Machine {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ")
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Machine(cores: ProcessInfo.processInfo.activeProcessorCount, loadAverage: load ?? "?", kernel: kernel ?? "?")
    }
}

struct BenchReport: Codable {
    var date: String
    var quick: Bool
    /// "sqlite", or "postgresql" with --db.
    var store: String
    var machineAtStart: Machine
    var machineAtEnd: Machine?
    var admin: [AdminRow] = []
    var engine: [EngineResult] = []

    init(options: Options) {
        date = Date().formatted(Date.ISO8601FormatStyle())
        quick = options.quick
        store = options.db == nil ? "sqlite" : "postgresql"
        machineAtStart = .current
    }

    func json() throws -> String {
        var report = self
        report.machineAtEnd = .current
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // NaN (a percentile of nothing) is not JSON.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    func printTables() {
        if !admin.isEmpty {
            printTable(
                ["scenario", "clients", "ops", "ops/s", "p50 ms", "p99 ms", "max ms", "heraldd µs CPU/op"],
                admin.map {
                    [
                        $0.scenario, "\($0.clients)", "\($0.operations)", fixed($0.opsPerSecond, 0),
                        fixed($0.p50Ms, 3), fixed($0.p99Ms, 3), fixed($0.maxMs, 3), fixed($0.heralddCpuUsPerOp, 0),
                    ]
                })
        }
        if !engine.isEmpty {
            if !admin.isEmpty { print() }
            printTable(
                ["reminder engine", "n", "result", "target", "met"],
                engine.map { [$0.scenario, "\($0.size)", $0.result, $0.target, $0.met.map { $0 ? "yes" : "NO" } ?? "-"] })
            let notes = engine.flatMap { result in result.notes.map { "\(result.scenario.trimmingCharacters(in: .whitespaces)): \($0)" } }
            if !notes.isEmpty {
                print()
                notes.forEach { print("- " + $0) }
            }
        }
        print("\nmachine: \(machineAtStart.cores) cores, load average \(machineAtStart.loadAverage) at start, \(Machine.current.loadAverage) at end")
    }

    private func printTable(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }
}
