// The admin path from a client's view: Ping, booking writes (which now plan
// their notification jobs in the same transaction), reads.
import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto
import Logging
import SwiftProtobuf

/// The admin client of a benchmark; Sendable so many tasks can share it.
struct AdminCaller: Sendable {
    let client: RPCClient
    /// Every call with a 30 s budget: a loaded core answers late, not never.
    let admin: Herald_V1_Admin.Client

    init(endpoint: String, context: ZMQContext, curve: CurveOptions? = nil) throws {
        var logger = Logger(label: "herald-bench")
        logger.logLevel = .error
        client = try RPCClient(context: context, endpoint: endpoint, curve: curve, logger: logger)
        admin = Herald_V1_Admin.Client(RPCCallerWithDefaults(client, defaults: RPCCallOptions(timeout: .seconds(30))))
    }

    func createTenant(_ id: String) async throws {
        _ = try await admin.createTenant(.with { $0.id = id; $0.name = id })
    }

    func queue(_ channel: String) async throws -> Herald_V1_ChannelQueue {
        let answer = try await admin.listChannels()
        return answer.queues.first { $0.channel == channel } ?? .with { $0.channel = channel }
    }

    func workerCount() async throws -> Int {
        try await admin.listChannels().workers.count
    }

    func close() { client.close() }
}

struct Figures {
    var name: String
    var operations: Int
    var concurrency: Int
    var seconds: Double
    var latencies: [Double]  // milliseconds, sorted
    /// heraldd's CPU time across the run, when measured.
    var cpuSeconds: Double?

    var rate: Double { Double(operations) / seconds }

    /// heraldd's CPU per operation in µs, or NaN when not measured.
    var cpuMicrosecondsPerOperation: Double { cpuSeconds.map { $0 / Double(operations) * 1e6 } ?? .nan }

    func percentile(_ p: Double) -> Double {
        latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
    }
}

/// `figures`, with the CPU time `pid` spent while they were taken.
func withCPU(of pid: Int32, _ figures: () async throws -> Figures) async rethrows -> Figures {
    let before = ProcStats.cpuSeconds(pid: pid) ?? .nan
    var result = try await figures()
    result.cpuSeconds = (ProcStats.cpuSeconds(pid: pid) ?? .nan) - before
    return result
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

/// ISO 8601 with milliseconds, e.g. "2026-11-21T15:00:00.123Z", from whole milliseconds
/// since the epoch (exact, no floating-point rounding of the fraction).
func timestamp(milliseconds ms: Int64) -> String {
    let seconds = Date(timeIntervalSince1970: TimeInterval(ms / 1000))
    let whole = seconds.formatted(Date.ISO8601FormatStyle())  // "...:SSZ"
    return String(whole.dropLast()) + String(format: ".%03dZ", Int(ms % 1000))
}

func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

/// A booking of `tenant` starting at `startMs` with a customer email (so it plans email jobs).
func bookingRequest(tenant: String, id: String, startMs: Int64, eventType: String? = nil) -> Herald_V1_CreateBookingRequest {
    .with {
        $0.tenantID = tenant
        $0.id = id
        $0.startAt = timestamp(milliseconds: startMs)
        if let eventType { $0.eventTypeID = eventType }
        $0.customerName = "Customer \(id)"
        $0.customerEmail = "\(id)@example.com"
    }
}

/// The admin scenarios of the first benchmark, against their own heraldd with
/// no channel worker connected; CreateBooking now also plans a confirmation and
/// two reminders per booking (default settings: email, 1440 and 60 minutes).
func runAdminScenarios(environment: BenchEnvironment, context: ZMQContext, quick: Bool) async throws -> [Figures] {
    let directory = try environment.scenarioDirectory("admin")
    let core = try CoreProcess(
        curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: try environment.makeDatabase(in: directory),
        log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }
    try await caller.createTenant("bench")

    let scale = quick ? 1 : 4
    let bookingsPerRun = 500 * scale
    let startMs = nowMilliseconds() + 30 * 86_400_000

    // Warm up connections, caches and the database file.
    for index in 0..<50 {
        _ = try await caller.admin.ping()
        _ = try await caller.admin.createBooking(bookingRequest(tenant: "bench", id: "warm-\(index)", startMs: startMs))
    }

    var results: [Figures] = []
    progress("admin: Ping")
    results.append(try await withCPU(of: core.pid) {
        try await measure(Herald_V1_Admin.Method.ping.name, total: 1000 * scale, concurrency: 1) { _ in
            _ = try await caller.admin.ping()
        }
    })
    results.append(try await withCPU(of: core.pid) {
        try await measure(Herald_V1_Admin.Method.ping.name, total: 4000 * scale, concurrency: 16) { _ in
            _ = try await caller.admin.ping()
        }
    })
    for concurrency in [1, 16, 32] {
        progress("admin: CreateBooking from \(concurrency) clients")
        results.append(try await withCPU(of: core.pid) {
            try await measure(Herald_V1_Admin.Method.createBooking.name, total: bookingsPerRun, concurrency: concurrency) { index in
                var request = bookingRequest(tenant: "bench", id: "c\(concurrency)-\(index)", startMs: startMs + Int64(index) * 60_000)
                request.customerPhone = "+4915112345678"
                _ = try await caller.admin.createBooking(request)
            }
        })
    }
    progress("admin: reads")
    results.append(try await withCPU(of: core.pid) {
        try await measure(Herald_V1_Admin.Method.getBooking.name, total: 2000 * scale, concurrency: 16) { index in
            _ = try await caller.admin.getBooking(Herald_V1_GetBookingRequest.with { $0.id = "c16-\(index % bookingsPerRun)" })
        }
    })
    results.append(try await withCPU(of: core.pid) {
        try await measure("ListBookings(100)", total: 200 * scale, concurrency: 4) { _ in
            _ = try await caller.admin.listBookings(Herald_V1_ListBookingsRequest.with { $0.tenantID = "bench" })
        }
    })
    return results
}
