// herald-bench: measures the admin path of a real heraldd (ZeroMQ RPC, field
// validation, SQLite write in WAL with its booking event) from a client's view.
//
//   swift build -c release && swift run -c release herald-bench [--quick]
//
// It starts the heraldd binary built next to it on free ports and a temporary
// database, drives it with RPCClient, and prints operations per second and
// latency percentiles for each scenario.
import Foundation
import HeraldBus
import HeraldProto
import Logging
import SwiftProtobuf
import Synchronization

/// Calls admin methods by short name; Sendable so many tasks can share it.
struct AdminCaller: Sendable {
    let client: RPCClient

    func call<Response: Message>(_ method: String, _ request: some Message, as: Response.Type) async throws -> Response {
        try await client.call("/herald.v1.Admin/\(method)", request, as: Response.self, timeout: .seconds(30))
    }
}

struct Figures {
    var name: String
    var operations: Int
    var concurrency: Int
    var seconds: Double
    var latencies: [Double]  // milliseconds, sorted

    func percentile(_ p: Double) -> Double {
        latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
    }
}

/// Runs `operation` `total` times from `concurrency` tasks and records each call's latency.
func measure(
    _ name: String, total: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
) async throws -> Figures {
    let start = ContinuousClock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var mine: [Double] = []
                var index = worker
                while index < total {
                    let began = ContinuousClock.now
                    try await operation(index)
                    mine.append(milliseconds(ContinuousClock.now - began))
                    index += concurrency
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    return Figures(
        name: name, operations: total, concurrency: concurrency,
        seconds: milliseconds(ContinuousClock.now - start) / 1000, latencies: latencies.sorted())
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

@main
enum HeraldBench {
    static func main() async throws {

        let quick = CommandLine.arguments.contains("--quick")
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let heralddPath = binDirectory.appendingPathComponent("heraldd").path
        guard FileManager.default.isExecutableFile(atPath: heralddPath) else {
            FileHandle.standardError.write(Data("herald-bench: no heraldd next to me at \(heralddPath); run `swift build -c release` first\n".utf8))
            exit(1)
        }

        // MARK: Start the core

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let core = Process()
        core.executableURL = URL(fileURLWithPath: heralddPath)
        core.arguments = [
            "--db", directory.appendingPathComponent("bench.db").path, "--log-level", "warning",
            "--admin-endpoint", "tcp://127.0.0.1:*", "--channel-endpoint", "tcp://127.0.0.1:*",
            "--events-endpoint", "tcp://127.0.0.1:*",
        ]
        let readyPipe = Pipe()
        core.standardOutput = readyPipe
        try core.run()
        defer {
            core.terminate()
            core.waitUntilExit()
        }
        guard let readyLine = String(data: readyPipe.fileHandleForReading.availableData, encoding: .utf8),
            let admin = readyLine.split(separator: " ").first(where: { $0.hasPrefix("admin=") })?.dropFirst(6)
        else {
            FileHandle.standardError.write(Data("herald-bench: heraldd did not print its ready line\n".utf8))
            exit(1)
        }

        var logger = Logger(label: "herald-bench")
        logger.logLevel = .error
        let context = try ZMQContext()
        let client = try RPCClient(context: context, endpoint: String(admin), logger: logger)

        let caller = AdminCaller(client: client)


        _ = try await caller.call("CreateTenant", Herald_V1_CreateTenantRequest.with { $0.id = "bench"; $0.name = "Bench" }, as: Herald_V1_Tenant.self)

        // MARK: Scenarios

        let scale = quick ? 1 : 4
        let bookingsPerRun = 500 * scale
        let startAt = Date().addingTimeInterval(30 * 86400)
        let stamp = Date.ISO8601FormatStyle()

        // Warm up connections, caches and the database file.
        for index in 0..<50 {
            _ = try await caller.call("Ping", Herald_V1_PingRequest(), as: Herald_V1_PingResponse.self)
            _ = try await caller.call(
                "CreateBooking",
                Herald_V1_CreateBookingRequest.with {
                    $0.tenantID = "bench"
                    $0.id = "warm-\(index)"
                    $0.startAt = stamp.format(startAt)
                }, as: Herald_V1_Booking.self)
        }

        var results: [Figures] = []
        results.append(try await measure("Ping", total: 1000 * scale, concurrency: 1) { _ in
            _ = try await caller.call("Ping", Herald_V1_PingRequest(), as: Herald_V1_PingResponse.self)
        })
        results.append(try await measure("Ping", total: 4000 * scale, concurrency: 16) { _ in
            _ = try await caller.call("Ping", Herald_V1_PingRequest(), as: Herald_V1_PingResponse.self)
        })
        for concurrency in [1, 16] {
            results.append(try await measure("CreateBooking", total: bookingsPerRun, concurrency: concurrency) { index in
                _ = try await caller.call(
                    "CreateBooking",
                    Herald_V1_CreateBookingRequest.with {
                        $0.tenantID = "bench"
                        $0.id = "c\(concurrency)-\(index)"
                        $0.startAt = stamp.format(startAt.addingTimeInterval(Double(index) * 60))
                        $0.customerName = "Customer \(index)"
                        $0.customerEmail = "customer\(index)@example.com"
                        $0.customerPhone = "+4915112345678"
                    }, as: Herald_V1_Booking.self)
            })
        }
        results.append(try await measure("GetBooking", total: 2000 * scale, concurrency: 16) { index in
            _ = try await caller.call("GetBooking", Herald_V1_GetBookingRequest.with { $0.id = "c16-\(index % bookingsPerRun)" }, as: Herald_V1_Booking.self)
        })
        results.append(try await measure("ListBookings(100)", total: 200 * scale, concurrency: 4) { _ in
            _ = try await caller.call("ListBookings", Herald_V1_ListBookingsRequest.with { $0.tenantID = "bench" }, as: Herald_V1_ListBookingsResponse.self)
        })
        client.close()

        // MARK: Report

        func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
        let header = ["scenario", "clients", "ops", "ops/s", "p50 ms", "p99 ms", "max ms"]
        let rows = results.map {
            [
                $0.name, "\($0.concurrency)", "\($0.operations)", fixed(Double($0.operations) / $0.seconds, 0),
                fixed($0.percentile(0.5), 3), fixed($0.percentile(0.99), 3), fixed($0.latencies.last ?? 0, 3),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }

    }
}
