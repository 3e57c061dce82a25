// The web console's lists on one busy tenant: a search by customer (which reads
// every booking of the tenant: a substring has no index), a day's bookings (the
// start index) and the upcoming page, through the admin RPC the gateway calls.
import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto

func runConsoleLists(environment: BenchEnvironment, context: ZMQContext, bookings: Int, quick: Bool) async throws -> [Figures] {
    let directory = try environment.scenarioDirectory("console")
    let database = try environment.makeDatabase(in: directory)
    guard database.canQuery else { throw BenchError("the console scenario \(database.missingShellMessage)") }
    do {
        let core = try CoreProcess(
            curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database,
            log: directory.appendingPathComponent("heraldd-setup.log"))
        defer { core.stop() }
        let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
        defer { caller.close() }
        try await caller.createTenant("front")
    }
    // Bookings two minutes apart from three days ago (720 a day), "Customer <i>",
    // customer<i>@example.com, each with one reminder.
    progress("console: writing \(bookings) bookings of one tenant directly")
    try database.fillReminders(
        tenant: "front", prefix: "front", bookings: bookings,
        sqliteStart: "strftime('%Y-%m-%d %H:%M:%f', 'now', '-3 days', printf('+%d seconds', i * 120))",
        postgresStart: "date_trunc('milliseconds', now() - interval '3 days' + make_interval(secs => i * 120))",
        offsetsMinutes: [60])

    let core = try CoreProcess(
        curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database,
        log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }

    let calls = quick ? 50 : 200
    let now = Date()
    let dayStart = Calendar(identifier: .gregorian).startOfDay(for: now)
    func list(_ fill: @escaping @Sendable (inout Herald_V1_ListBookingsRequest) -> Void) -> @Sendable (Int) async throws -> Void {
        { _ in
            var request = Herald_V1_ListBookingsRequest.with {
                $0.tenantID = "front"
                $0.limit = 50
            }
            fill(&request)
            _ = try await caller.admin.listBookings(request)
        }
    }
    let cases: [(String, @Sendable (Int) async throws -> Void)] = [
        ("ListBookings(upcoming, 50)", list { _ in }),
        ("ListBookings(today, 50)", list {
            $0.startsFrom = dayStart.formatted(.iso8601)
            $0.startsBefore = dayStart.addingTimeInterval(86_400).formatted(.iso8601)
        }),
        ("ListBookings(search one e-mail)", list { $0.search = "customer\(bookings / 2)@example.com" }),
        ("ListBookings(search 'customer 1', 50)", list { $0.search = "customer 1" }),
    ]
    // Warm the page cache and the statement caches.
    for (_, call) in cases { for index in 0..<5 { try await call(index) } }
    var results: [Figures] = []
    for (name, call) in cases {
        progress("console: \(name) on \(bookings) bookings")
        var figures = try await withCPU(of: core.pid) { try await measure(name, total: calls, concurrency: 1, call) }
        figures.name = "\(name) of \(bookings / 1000)k"
        results.append(figures)
    }
    return results
}
