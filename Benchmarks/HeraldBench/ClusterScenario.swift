// Appointments cluster on the hour, so their reminders all fall due at the same
// instant: how long the core takes to drain such a wave, and how late its last
// reminders go out.
import Foundation
import HeraldBus
import Logging

/// `n` email reminders all due at one whole second (hh:mm:ss.000, like reminders an
/// hour before appointments at the full hour), written with the sqlite3 shell while
/// the core is stopped; then heraldd starts with `k` in-bench workers (256 in flight
/// each, like the dispatch scenario's) connected before the due second. Measured:
/// every reminder sent (rows in reminder_log), the drain time from the due second to
/// the last result committed, lateness at the workers and in the core's log, and
/// heraldd's CPU per reminder across the wave.
func runCluster(environment: BenchEnvironment, context: ZMQContext, reminders n: Int, workers k: Int) async throws -> [EngineResult] {
    let name = "cluster: \(n) reminders due in one second"
    let target = "all committed; drain time and p99 reported"
    let directory = try environment.scenarioDirectory("cluster")
    let database = try environment.makeDatabase(in: directory)
    guard database.canQuery else {
        return [EngineResult(scenario: name, size: n, result: "not run", target: target, met: nil, notes: ["herald-bench \(database.missingShellMessage)"])]
    }

    // heraldd creates the schema and the tenant (default settings: email on), then stops.
    do {
        let core = try CoreProcess(curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database, log: directory.appendingPathComponent("heraldd-setup.log"))
        defer { core.stop() }
        let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
        defer { caller.close() }
        try await caller.createTenant("cluster")
    }

    // The due second: far enough ahead for the fill (about 100,000 rows a second here),
    // the core's start and the workers' welcome, rounded up to a whole second.
    let leadMs = 4000 + Int64(n) / 20
    let dueMs = (nowMilliseconds() + leadMs + 999) / 1000 * 1000
    let start = "'\(sqliteTimestamp(milliseconds: dueMs + 3_600_000))'"
    progress("cluster: writing \(n) bookings with one reminder each, all due at \(timestamp(milliseconds: dueMs)), directly")
    let fillStart = ContinuousClock.now
    try database.fillReminders(
        tenant: "cluster", prefix: "cluster", bookings: n, sqliteStart: start,
        postgresStart: "to_timestamp(\(dueMs + 3_600_000) / 1000.0)", offsetsMinutes: [60])
    let fillSeconds = milliseconds(ContinuousClock.now - fillStart) / 1000

    let core = try CoreProcess(curveArguments: environment.curve?.coreArguments ?? [], binary: environment.heraldd, database: database, log: directory.appendingPathComponent("heraldd.log"))
    defer { core.stop() }
    let caller = try AdminCaller(endpoint: core.admin, context: context, curve: environment.curve?.admin)
    defer { caller.close() }
    var logger = Logger(label: "herald-bench-worker")
    logger.logLevel = .error
    var workers: [BenchWorker] = []
    defer { workers.forEach { $0.stop() } }
    for index in 0..<k {
        workers.append(try BenchWorker(
            context: context, endpoint: core.channel, channel: "email", instanceID: "bench-cluster-\(index)", maxInFlight: 256,
            curve: environment.curve?.channel, logger: logger))
    }
    for worker in workers { try await worker.waitForWelcome() }
    let queue = try await caller.queue("email")
    let setupDoneMs = nowMilliseconds()
    var notes: [String] = []
    if queue.scheduled != UInt64(n) {
        notes.append("expected \(n) scheduled reminders before the due second, ListChannels says \(queue.scheduled) (due \(queue.dueNow))")
    }
    if setupDoneMs >= dueMs {
        notes.append("setup overran the due second by \(setupDoneMs - dueMs) ms")
    }

    // The wave: CPU from just before the due second until nothing is due or leased.
    let settleMs = dueMs - 200 - nowMilliseconds()
    if settleMs > 0 { try await Task.sleep(for: .milliseconds(settleMs)) }
    let cpuStart = ProcStats.cpuSeconds(pid: core.pid) ?? 0
    // The bench's own CPU (its workers run in it) says whether the workers kept up.
    let benchCPUStart = ProcStats.cpuSeconds(pid: getpid()) ?? 0
    progress("cluster: \(queue.scheduled) reminders scheduled; waiting for the wave with \(k) bench workers")
    let deadlineMs = dueMs + max(120_000, Int64(n) * 2)
    func received() -> Int { workers.reduce(0) { $0 + $1.receivedCount } }
    while received() < n {
        guard nowMilliseconds() < deadlineMs else {
            throw BenchError("only \(received()) of \(n) reminders reached the workers within \((deadlineMs - dueMs) / 1000) s of the due second; see \(core.log.path)")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    while true {
        let queue = try await caller.queue("email")
        if queue.dueNow == 0 && queue.leased == 0 { break }
        guard nowMilliseconds() < deadlineMs else {
            throw BenchError("results not all committed in time (due \(queue.dueNow), leased \(queue.leased))")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    let observedDrainMs = Double(nowMilliseconds() - dueMs)
    let cpuSeconds = (ProcStats.cpuSeconds(pid: core.pid) ?? 0) - cpuStart
    let benchCPUSeconds = (ProcStats.cpuSeconds(pid: getpid()) ?? 0) - benchCPUStart

    // Worker side: arrival minus the due second, first attempts only.
    var arrival: [Double] = []
    var redeliveries = 0
    for delivery in workers.flatMap(\.received) {
        if delivery.attempt == 1 { arrival.append(delivery.atMs - Double(dueMs)) } else { redeliveries += 1 }
    }
    arrival.sort()

    // Core side, from the ReminderLog at millisecond resolution: the sent rows, and
    // when the core took each result (logged_at) after the due second. The last of
    // those is the drain time.
    let rows = try database.query(
        sqlite: """
            SELECT printf('%.3f', (julianday(l.logged_at) - julianday(j.due_at)) * 86400000.0)
            FROM reminder_log l JOIN notification_jobs j ON j.id = l.job_id
            WHERE l.tenant_id = 'cluster' AND l.outcome = 'sent';
            """,
        postgres: """
            SELECT round((extract(epoch FROM l.logged_at - j.due_at) * 1000)::numeric, 3)
            FROM reminder_log l JOIN notification_jobs j ON j.id = l.job_id
            WHERE l.tenant_id = 'cluster' AND l.outcome = 'sent';
            """)
    let logged = rows.split(separator: "\n").compactMap { Double($0) }.sorted()
    let drainMs = logged.last ?? .nan
    let allCommitted = logged.count == n
    if !allCommitted { notes.append("reminder_log has \(logged.count) sent rows, expected \(n)") }
    if redeliveries > 0 { notes.append("\(redeliveries) redeliveries") }
    notes.append(
        "drain = last result committed (logged_at) minus the due second; lateness p99 = arrival at the in-bench workers minus the due second; "
            + "filled directly in \(fixed(fillSeconds, 1)) s, \(setupDoneMs < dueMs ? dueMs - setupDoneMs : 0) ms to spare")
    let cpuPerReminder = cpuSeconds / Double(n) * 1e6
    return [EngineResult(
        scenario: name, size: n,
        result: "\(logged.count) sent, drained in \(fixed(drainMs / 1000, 2)) s (\(fixed(Double(n) / (drainMs / 1000), 0))/s), "
            + "p99 \(fixed(percentile(arrival, 0.99), 0)) ms late, \(fixed(cpuPerReminder, 0)) µs heraldd CPU each",
        target: target, met: allCommitted && setupDoneMs < dueMs,
        metrics: [
            "sent_rows": Double(logged.count), "expected": Double(n), "redeliveries": Double(redeliveries),
            "drain_ms": drainMs, "drain_ms_observed_by_bench": observedDrainMs,
            "reminders_per_second": Double(n) / (drainMs / 1000),
            "worker_p50_ms": percentile(arrival, 0.5), "worker_p99_ms": percentile(arrival, 0.99),
            "worker_min_ms": arrival.first ?? .nan, "worker_max_ms": arrival.last ?? .nan,
            "logged_p50_ms": percentile(logged, 0.5), "logged_p99_ms": percentile(logged, 0.99),
            "heraldd_cpu_seconds": cpuSeconds, "heraldd_cpu_us_per_reminder": cpuPerReminder,
            "heraldd_cpu_share_of_one_core": cpuSeconds / max(observedDrainMs / 1000 + 0.2, 0.001),
            "bench_cpu_share_of_one_core": benchCPUSeconds / max(observedDrainMs / 1000 + 0.2, 0.001),
            "fill_seconds": fillSeconds, "setup_margin_ms": Double(dueMs - setupDoneMs),
        ],
        notes: notes)]
}

/// "YYYY-MM-DD HH:MM:SS.SSS" in UTC, the text GRDB stores a date as.
func sqliteTimestamp(milliseconds ms: Int64) -> String {
    // timestamp(milliseconds:) is "YYYY-MM-DDTHH:MM:SS.SSSZ".
    String(timestamp(milliseconds: ms).dropLast().replacingOccurrences(of: "T", with: " "))
}
