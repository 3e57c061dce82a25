// The reminder engine end to end: planner (in the booking write), dispatcher,
// channel protocol, results committed to the ReminderLog. Each scenario runs
// its own heraldd on a fresh database.
import Foundation
import HeraldAdminRPC
import HeraldBus
import HeraldProto
import Logging

/// One row of the reminder-engine table (and of the JSON document).
struct EngineResult: Codable {
    var scenario: String
    /// Jobs or bookings the scenario worked on.
    var size: Int
    /// The headline, as printed.
    var result: String
    var target: String
    /// nil when the scenario could not run.
    var met: Bool?
    var metrics: [String: Double] = [:]
    var notes: [String] = []
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Issue 15's target for booking ingest (CreateBooking from 32 clients, 3 jobs planned each).
enum IngestTarget {
    static let text = ">= 8000 bookings/s, <= 150 µs CPU each"

    static func met(rate: Double, cpuMicroseconds: Double) -> Bool { rate >= 8000 && cpuMicroseconds <= 150 }
}

/// Issue 15's targets for lateness: p99 <= 10 ms and <= 150 µs of heraldd CPU per reminder
/// at 1,000 due/s, p99 <= 20 ms at 5,000/s (and, the bench's choice, at any rate above 1,000).
struct LatenessTarget {
    var p99Ms: Double
    var cpuMicroseconds: Double?

    init(rate: Int) {
        if rate <= 1000 {
            self.init(p99Ms: 10, cpuMicroseconds: 150)
        } else {
            self.init(p99Ms: 20, cpuMicroseconds: nil)
        }
    }

    init(p99Ms: Double, cpuMicroseconds: Double?) {
        self.p99Ms = p99Ms
        self.cpuMicroseconds = cpuMicroseconds
    }

    var text: String {
        "p99 <= \(fixed(p99Ms, 0)) ms" + (cpuMicroseconds.map { ", <= \(fixed($0, 0)) µs CPU each" } ?? "")
    }

    func met(p99: Double, cpu: Double) -> Bool { p99 <= p99Ms && cpu <= (cpuMicroseconds ?? .infinity) }
}

// MARK: - 1 and 3: dispatch throughput, booking ingest

/// N bookings made while no worker is connected, so each leaves one confirmation
/// due now (its reminders are a month away); then K herald-test-channel workers
/// start and the clock runs until every confirmation's result is committed.
///
/// With `accounts` (the pacing scenario), the workers hold that many provider accounts
/// and each booking's event type sends with one of them in turn.
func runDispatchThroughput(
    environment: BenchEnvironment, context: ZMQContext, jobs n: Int, workers k: Int, maxInFlight: Int,
    accounts: BenchAccounts? = nil
) async throws -> [EngineResult] {
    let directory = try environment.scenarioDirectory(accounts.map { "dispatch-\($0.slug)" } ?? "dispatch")
    let database = try environment.makeDatabase(in: directory)
    let group = try CoreGroup(environment: environment, context: context, database: database, directory: directory)
    defer { group.stop() }
    let caller = group.caller
    let cores = group.cores.count
    let onCores = cores > 1 ? ", \(cores) cores on one database" : ""
    try await caller.createTenant("tp")
    if let accounts {
        try await accounts.createEventTypes(tenant: "tp", caller: caller, core: group.first.channel, context: context, environment: environment)
    }

    // Setup, which is also the ingest figure: CreateBooking from 32 clients, planner
    // active; with several cores, the clients take turns among them.
    progress("dispatch: creating \(n) bookings from 32 clients (no worker connected)\(onCores)")
    let startMs = nowMilliseconds() + 30 * 86_400_000
    let ingestCPUBefore = group.cpuSeconds
    let ingestDatabaseBefore = database.serverCPUSeconds
    let callers = group.callers
    let ingest = try await measure(Herald_V1_Admin.Method.createBooking.name, total: n, concurrency: 32) { index in
        _ = try await callers[index % callers.count].admin.createBooking(
            bookingRequest(
                tenant: "tp", id: "tp-\(index)", startMs: startMs + Int64(index) * 60_000,
                eventType: accounts.map { BenchAccounts.eventType(index % $0.count) }))
    }
    let ingestCPU = group.cpuSeconds - ingestCPUBefore
    let ingestDatabaseCPU = database.serverCPUSeconds - ingestDatabaseBefore
    let before = try await caller.queue("email")
    var ingestResult = EngineResult(
        scenario: "booking ingest (CreateBooking, 32 clients\(onCores))", size: n,
        result: "\(fixed(ingest.rate, 0)) bookings/s, p99 \(fixed(ingest.percentile(0.99), 1)) ms, \(fixed(ingestCPU / Double(n) * 1e6, 0)) µs heraldd CPU each",
        target: IngestTarget.text, met: IngestTarget.met(rate: ingest.rate, cpuMicroseconds: ingestCPU / Double(n) * 1e6),
        metrics: [
            "bookings_per_second": ingest.rate, "p50_ms": ingest.percentile(0.5), "p99_ms": ingest.percentile(0.99),
            "max_ms": ingest.latencies.last ?? 0, "jobs_planned": Double(before.dueNow + before.scheduled),
            "heraldd_cpu_us_per_booking": ingestCPU / Double(n) * 1e6,
            "heraldd_cpu_share_of_one_core": ingestCPU / ingest.seconds,
            "postgres_cpu_us_per_booking": ingestDatabaseCPU / Double(n) * 1e6,
        ],
        notes: ["each booking plans 3 jobs (confirmation now, reminders 1440 and 60 min before) in its write; no worker connected"])
    if before.dueNow != UInt64(n) {
        ingestResult.notes.append("expected \(n) confirmations due, the queue says \(before.dueNow)")
    }

    // The measured part.
    progress("dispatch: \(before.dueNow) confirmations due; starting \(k) herald-test-channel workers (max in flight \(maxInFlight))")
    let workers = try TestWorkers(
        binary: environment.testChannel, cores: group.cores.map(\.channel), count: k, maxInFlight: maxInFlight,
        directory: directory, name: "tp", curveArguments: environment.curve?.channelArguments ?? [],
        extraArguments: accounts?.workerArguments ?? [])
    defer { workers.stop() }
    let counter = try RecordCounter(workers.records)
    let coreCPUBefore = group.cpuSeconds
    let databaseCPUBefore = database.serverCPUSeconds
    let launched = ContinuousClock.now
    try workers.start()
    let deadline = launched + .seconds(max(60, n / 300))
    var firstDelivery: ContinuousClock.Instant?
    while counter.poll() < n {
        if firstDelivery == nil && counter.lines > 0 { firstDelivery = .now }
        guard ContinuousClock.now < deadline else {
            throw BenchError("only \(counter.lines) of \(n) deliveries reached the workers in time; see \(group.logs)")
        }
        try await Task.sleep(for: .milliseconds(2))
    }
    let handedOut = ContinuousClock.now
    let first = firstDelivery ?? handedOut
    // Results committed: nothing of the channel due or leased any more.
    while true {
        let queue = try await caller.queue("email")
        if queue.dueNow == 0 && queue.leased == 0 { break }
        guard ContinuousClock.now < deadline else {
            throw BenchError("results not all committed in time (due \(queue.dueNow), leased \(queue.leased))")
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    let committed = ContinuousClock.now
    let coreCPU = group.cpuSeconds - coreCPUBefore
    let databaseCPU = database.serverCPUSeconds - databaseCPUBefore
    let workersCPU = workers.cpuSeconds
    workers.stop()

    let fromFirst = milliseconds(committed - first) / 1000
    let fromLaunch = milliseconds(committed - launched) / 1000
    let rate = Double(n) / fromFirst
    var result = EngineResult(
        scenario: "dispatch throughput (\(k) workers\(onCores)\(accounts.map { ", " + $0.label } ?? ""))", size: n,
        result: "\(fixed(rate, 0)) deliveries/s (\(fixed(fromFirst, 2)) s), \(fixed(coreCPU / Double(n) * 1e6, 0)) µs heraldd CPU each",
        // Issue 15's target.
        target: ">= 30000 deliveries/s, <= 40 µs CPU each", met: rate >= 30_000 && coreCPU / Double(n) * 1e6 <= 40,
        metrics: [
            "deliveries_per_second": rate,
            "seconds_first_delivery_to_committed": fromFirst,
            "seconds_launch_to_committed": fromLaunch,
            "deliveries_per_second_from_launch": Double(n) / fromLaunch,
            "seconds_launch_to_first_delivery": milliseconds(first - launched) / 1000,
            "seconds_last_delivery_to_committed": milliseconds(committed - handedOut) / 1000,
            "redeliveries": Double(counter.redeliveries),
            "heraldd_cpu_seconds": coreCPU,
            "heraldd_cpu_share_of_one_core": coreCPU / fromLaunch,
            "heraldd_cpu_us_per_delivery": coreCPU / Double(n) * 1e6,
            "postgres_cpu_us_per_delivery": databaseCPU / Double(n) * 1e6,
            "workers_cpu_seconds": workersCPU,
        ],
        notes: ["clock from the first delivery a worker recorded to the queue showing nothing due or leased (results committed)"])

    // Every confirmation sent exactly once, in the ReminderLog.
    if database.canQuery {
        let count = "SELECT count(*) FROM reminder_log WHERE tenant_id = 'tp' AND kind = 'confirmation' AND outcome = 'sent';"
        let sent = try database.query(sqlite: count, postgres: count)
        result.metrics["reminder_log_sent"] = Double(sent) ?? -1
        if Int(sent) != n {
            result.met = false
            result.notes.append("ReminderLog has \(sent) sent confirmations, expected \(n)")
        } else {
            result.notes.append("verified: \(n) sent rows in reminder_log")
        }
    } else {
        result.notes.append("sent rows not counted: \(database.missingShellMessage)")
    }
    return [result, ingestResult]
}

// MARK: - 2: lateness

/// Reminders falling due at a steady `rate` per second for `n / rate` seconds,
/// received by an in-bench worker that notes each arrival's wall-clock time.
/// Due times are whole milliseconds, so above 1,000/s several reminders share one.
/// `setupRate`: the bookings per second the setup plans on, to place the first due time.
func runLateness(
    environment: BenchEnvironment, context: ZMQContext, jobs n: Int, rate: Int, setupRate: Double
) async throws -> [EngineResult] {
    let directory = try environment.scenarioDirectory("lateness-\(rate)")
    let database = try environment.makeDatabase(in: directory)
    let group = try CoreGroup(environment: environment, context: context, database: database, directory: directory)
    defer { group.stop() }
    let caller = group.caller
    let onCores = group.cores.count > 1 ? ", \(group.cores.count) cores" : ""
    try await caller.createTenant("late")
    // One job per booking: no confirmation, one reminder a minute before the start.
    _ = try await caller.admin.createEventType(
        Herald_V1_CreateEventTypeRequest.with {
            $0.tenantID = "late"
            $0.id = "late"
            $0.name = "Lateness"
            $0.reminderOffsets = .with { $0.minutes = [1] }
            $0.sendConfirmation = false
        })

    var logger = Logger(label: "herald-bench-worker")
    logger.logLevel = .error
    // One worker per core: each core hands out what it leases to its own.
    var workers: [BenchWorker] = []
    defer { workers.forEach { $0.stop() } }
    for (index, core) in group.cores.enumerated() {
        workers.append(try BenchWorker(
            context: context, endpoint: core.channel, channel: "email", instanceID: "bench-lateness-\(index)",
            maxInFlight: 1000, curve: environment.curve?.channel, logger: logger))
    }
    for worker in workers { try await worker.waitForWelcome() }
    let allWorkers = workers
    func receivedCount() -> Int { allWorkers.map(\.receivedCount).reduce(0, +) }

    // Due times start once every booking can have been made (a reminder planned after
    // its due time is skipped, not sent), then follow one another 1000/rate ms apart.
    let setupSeconds = Double(n) / setupRate + 3
    let firstDueMs = nowMilliseconds() + Int64(setupSeconds * 1000)
    @Sendable func dueMs(_ index: Int) -> Int64 { firstDueMs + Int64(index) * 1000 / Int64(rate) }
    let lastDueMs = dueMs(n - 1)
    progress("lateness: creating \(n) bookings (bench worker connected); reminders due from +\(fixed(setupSeconds, 1)) s at \(rate)/s")
    let ingestCPUBefore = group.cpuSeconds
    let callers = group.callers
    let ingest = try await measure(Herald_V1_Admin.Method.createBooking.name, total: n, concurrency: 32) { index in
        _ = try await callers[index % callers.count].admin.createBooking(
            bookingRequest(tenant: "late", id: "late-\(index)", startMs: dueMs(index) + 60_000, eventType: "late"))
    }
    let setupDoneMs = nowMilliseconds()
    let ingestCPU = group.cpuSeconds - ingestCPUBefore
    var notes: [String] = []
    if setupDoneMs > firstDueMs {
        notes.append("setup overran the first due time by \(setupDoneMs - firstDueMs) ms: reminders planned after their due time were skipped or late")
    }

    // The steady window: measure the core's CPU across it.
    if setupDoneMs < firstDueMs { try await Task.sleep(for: .milliseconds(firstDueMs - setupDoneMs)) }
    let cpuStart = group.cpuSeconds
    let databaseStart = database.serverCPUSeconds
    let windowStart = ContinuousClock.now
    progress("lateness: steady window of \(fixed(Double(lastDueMs - firstDueMs) / 1000, 1)) s")
    while nowMilliseconds() < lastDueMs + 2000 && receivedCount() < n {
        try await Task.sleep(for: .milliseconds(100))
    }
    while nowMilliseconds() < lastDueMs + 10_000 && receivedCount() < n {
        try await Task.sleep(for: .milliseconds(100))
    }
    let cpuSeconds = group.cpuSeconds - cpuStart
    let databaseSeconds = database.serverCPUSeconds - databaseStart
    let windowSeconds = milliseconds(ContinuousClock.now - windowStart) / 1000

    // Worker side: arrival minus due time, first attempts only.
    let received = workers.flatMap(\.received)
    var lateness: [Double] = []
    var redeliveries = 0
    for delivery in received {
        guard delivery.attempt == 1 else { redeliveries += 1; continue }
        guard let index = Int(delivery.bookingID.dropFirst("late-".count)) else { continue }
        lateness.append(delivery.atMs - Double(dueMs(index)))
    }
    // For a closer look: HERALD_BENCH_LATENESS_CSV=path writes "index,lateness_ms" per reminder.
    if let path = ProcessInfo.processInfo.environment["HERALD_BENCH_LATENESS_CSV"] {
        let lines = received.filter { $0.attempt == 1 }.compactMap { delivery -> String? in
            guard let index = Int(delivery.bookingID.dropFirst("late-".count)) else { return nil }
            return "\(index),\(fixed(delivery.atMs - Double(dueMs(index)), 3))"
        }
        try? ("index,lateness_ms\n" + lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
    lateness.sort()

    // Core side: logged_at (when the core took the worker's SENT) minus due_at, from the
    // database at millisecond resolution (RPC answers carry whole seconds only).
    for _ in 0..<100 {
        let queue = try await caller.queue("email")
        if queue.dueNow == 0 && queue.leased == 0 { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    var logged: [Double] = []
    if database.canQuery {
        let rows = try database.query(
            sqlite: """
                SELECT printf('%.3f', (julianday(l.logged_at) - julianday(j.due_at)) * 86400000.0)
                FROM reminder_log l JOIN notification_jobs j ON j.id = l.job_id
                WHERE l.tenant_id = 'late' AND l.outcome = 'sent';
                """,
            postgres: """
                SELECT round((extract(epoch FROM l.logged_at - j.due_at) * 1000)::numeric, 3)
                FROM reminder_log l JOIN notification_jobs j ON j.id = l.job_id
                WHERE l.tenant_id = 'late' AND l.outcome = 'sent';
                """)
        logged = rows.split(separator: "\n").compactMap { Double($0) }.sorted()
    } else {
        notes.append("core-side lateness not measured: \(database.missingShellMessage)")
    }

    let p99 = percentile(lateness, 0.99)
    let cpuPerReminder = cpuSeconds / Double(max(lateness.count, 1)) * 1e6
    let target = LatenessTarget(rate: rate)
    var metrics: [String: Double] = [
        "received": Double(lateness.count), "expected": Double(n), "redeliveries": Double(redeliveries),
        "rate_per_second": Double(rate),
        "worker_p50_ms": percentile(lateness, 0.5), "worker_p90_ms": percentile(lateness, 0.9),
        "worker_p99_ms": p99, "worker_max_ms": lateness.last ?? .nan, "worker_min_ms": lateness.first ?? .nan,
        "heraldd_cpu_share_of_one_core": cpuSeconds / windowSeconds,
        "heraldd_cpu_us_per_reminder": cpuPerReminder,
        "postgres_cpu_us_per_reminder": databaseSeconds / Double(max(lateness.count, 1)) * 1e6,
        "setup_bookings_per_second": ingest.rate, "setup_seconds_planned": setupSeconds,
        "setup_margin_ms": Double(firstDueMs - setupDoneMs),
    ]
    if !logged.isEmpty {
        metrics["logged_p50_ms"] = percentile(logged, 0.5)
        metrics["logged_p99_ms"] = percentile(logged, 0.99)
        metrics["logged_max_ms"] = logged.last ?? .nan
        metrics["logged_count"] = Double(logged.count)
    }
    if lateness.count < n { notes.append("\(n - lateness.count) of \(n) reminders never reached the worker") }
    notes.append("lateness = arrival at the in-bench worker minus due time (the core's own view, logged_at - due_at, in metrics logged_*)")
    let result = EngineResult(
        scenario: "lateness at \(rate) due/s\(onCores)", size: n,
        result: "p50 \(fixed(percentile(lateness, 0.5), 1)) / p99 \(fixed(p99, 1)) / max \(fixed(lateness.last ?? .nan, 1)) ms, \(fixed(cpuPerReminder, 0)) µs heraldd CPU each",
        target: target.text, met: lateness.count == n && setupDoneMs <= firstDueMs && target.met(p99: p99, cpu: cpuPerReminder),
        metrics: metrics, notes: notes)
    let loggedResult = EngineResult(
        scenario: "  result logged (logged_at - due_at)", size: logged.count,
        result: logged.isEmpty ? "not measured"
            : "p50 \(fixed(percentile(logged, 0.5), 1)) / p99 \(fixed(percentile(logged, 0.99), 1)) / max \(fixed(logged.last ?? .nan, 1)) ms",
        target: "(informational)", met: nil)
    let ingestResult = EngineResult(
        scenario: "booking ingest (32 clients, worker connected\(onCores))", size: n,
        result: "\(fixed(ingest.rate, 0)) bookings/s, p99 \(fixed(ingest.percentile(0.99), 1)) ms, \(fixed(ingestCPU / Double(n) * 1e6, 0)) µs heraldd CPU each",
        target: IngestTarget.text, met: IngestTarget.met(rate: ingest.rate, cpuMicroseconds: ingestCPU / Double(n) * 1e6),
        metrics: [
            "bookings_per_second": ingest.rate, "p50_ms": ingest.percentile(0.5), "p99_ms": ingest.percentile(0.99),
            "heraldd_cpu_us_per_booking": ingestCPU / Double(n) * 1e6, "heraldd_cpu_share_of_one_core": ingestCPU / ingest.seconds,
        ],
        notes: ["one reminder job per booking; a worker is connected, so every write wakes the dispatcher"])
    return [result, loggedResult, ingestResult]
}

// MARK: - 4: idle cost

/// heraldd holding `jobs` future reminders, with a worker connected and nothing due.
/// The database is filled directly with the sqlite3 shell: through the admin API a
/// million jobs would take minutes.
func runIdle(environment: BenchEnvironment, context: ZMQContext, jobs: Int, seconds: Int) async throws -> [EngineResult] {
    let name = "idle cost (\(jobs / 1000)k future jobs)"
    let directory = try environment.scenarioDirectory("idle")
    let database = try environment.makeDatabase(in: directory)
    guard database.canQuery else {
        return [EngineResult(
            scenario: name, size: jobs, result: "not run", target: "<= 1% CPU, <= 100 MB RSS", met: nil,
            notes: ["herald-bench \(database.missingShellMessage)"])]
    }

    // heraldd creates the schema, the tenant and its settings; then it stops.
    do {
        let core = try CoreProcess(curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database, log: directory.appendingPathComponent("heraldd-setup.log"))
        defer { core.stop() }
        let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
        defer { caller.close() }
        try await caller.createTenant("idle")
    }

    // Two email reminders (1440 and 60 min) per booking, bookings 5 s apart from two days on.
    let bookings = jobs / 2
    progress("idle: writing \(bookings) bookings and \(bookings * 2) pending jobs directly")
    let fillStart = ContinuousClock.now
    try database.fillReminders(
        tenant: "idle", prefix: "idle", bookings: bookings,
        sqliteStart: "strftime('%Y-%m-%d %H:%M:%f', 'now', '+2 days', printf('+%d seconds', i * 5))",
        postgresStart: "date_trunc('milliseconds', now() + interval '2 days' + make_interval(secs => i * 5))",
        offsetsMinutes: [1440, 60])
    let fillSeconds = milliseconds(ContinuousClock.now - fillStart) / 1000
    let fileMiB = try database.sizeMiB()

    let core = try CoreProcess(curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database, log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }
    let workers = try TestWorkers(
        binary: environment.testChannel, cores: [core.channel], count: 1, maxInFlight: 256, directory: directory, name: "idle")
    defer { workers.stop() }
    try workers.start()
    var connected = false
    for _ in 0..<200 where !connected {
        connected = try await caller.workerCount() > 0
        if !connected { try await Task.sleep(for: .milliseconds(50)) }
    }
    guard connected else { throw BenchError("the idle worker did not register") }
    let statsStart = ContinuousClock.now
    let queue = try await caller.queue("email")
    let listChannelsMs = milliseconds(ContinuousClock.now - statsStart)
    // Let start-up work (lease release, first turns, page cache) settle.
    try await Task.sleep(for: .seconds(3))

    progress("idle: heraldd holds \(queue.scheduled) scheduled jobs; measuring \(seconds) s")
    let cpuStart = ProcStats.cpuSeconds(pid: core.pid) ?? 0
    let workerStart = workers.cpuSeconds
    let databaseStart = database.isPostgres ? ProcStats.postgresCPUSeconds() : 0
    let windowStart = ContinuousClock.now
    try await Task.sleep(for: .seconds(seconds))
    let window = milliseconds(ContinuousClock.now - windowStart) / 1000
    let cpuShare = ((ProcStats.cpuSeconds(pid: core.pid) ?? 0) - cpuStart) / window
    // PostgreSQL's side of the idle cost: its processes' CPU over the same window.
    let databaseShare = database.isPostgres ? (ProcStats.postgresCPUSeconds() - databaseStart) / window : .nan
    let workerShare = (workers.cpuSeconds - workerStart) / window
    let rss = ProcStats.memoryMiB(pid: core.pid, field: "VmRSS") ?? .nan
    let peak = ProcStats.memoryMiB(pid: core.pid, field: "VmHWM") ?? .nan

    var notes = ["1 herald-test-channel worker connected; nothing due; CPU from /proc/PID/stat over \(fixed(window, 1)) s"]
    if queue.scheduled != UInt64(bookings * 2) {
        notes.append("expected \(bookings * 2) scheduled jobs, ListChannels says \(queue.scheduled)")
    }
    return [EngineResult(
        scenario: name, size: Int(queue.scheduled),
        result: "\(fixed(cpuShare * 100, 2))% CPU, \(fixed(rss, 1)) MiB RSS"
            + (database.isPostgres ? "; PostgreSQL \(fixed(databaseShare * 100, 2))% CPU" : ""),
        target: "<= 1% CPU, <= 100 MB RSS", met: cpuShare <= 0.01 && rss * 1.048576 <= 100,
        metrics: [
            "cpu_percent_of_one_core": cpuShare * 100, "heraldd_cpu_seconds_total": ProcStats.cpuSeconds(pid: core.pid) ?? .nan, "rss_mib": rss, "peak_rss_mib": peak,
            "worker_cpu_percent": workerShare * 100, "startup_ms": milliseconds(core.startup),
            "list_channels_ms": listChannelsMs, "fill_seconds": fillSeconds, "database_mib": fileMiB,
            "database_cpu_percent_of_one_core": databaseShare * 100,
        ],
        notes: notes)]
}
