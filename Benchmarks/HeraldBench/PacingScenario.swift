// Pacing's cost (issue 18's target): the dispatch scenario with workers holding
// 1,000 provider accounts, first unpaced, then each account with a rate of its own,
// on a fresh core each. The rates are high enough that they never bound the whole
// (1,000 accounts at 40-80/s allow 60,000/s), so the difference is what the buckets,
// the per-account budgets and the lease queries that honour them cost.
import Foundation
import HeraldBus
import HeraldProto
import Logging

/// The provider accounts of one dispatch run: `count` accounts a0 ... registered by
/// every worker, one event type per account (e0 sends with a0, ...), bookings spread
/// over the event types in turn; `rates` (empty: unpaced) given to the accounts in turn.
struct BenchAccounts {
    var count: Int
    var rates: [Double]

    static func eventType(_ index: Int) -> String { "e\(index)" }

    var slug: String { rates.isEmpty ? "accounts-unpaced" : "accounts-paced" }

    var label: String {
        let paced = rates.isEmpty
            ? "unpaced"
            : "each paced at \(fixed(rates.min() ?? 0, 0))-\(fixed(rates.max() ?? 0, 0))/s"
        return "\(count) accounts, \(paced)"
    }

    /// herald-test-channel's options that register the accounts.
    var workerArguments: [String] {
        ["--numbered-accounts", "\(count)"]
            + (rates.isEmpty ? [] : ["--account-rates", rates.map { fixed($0, 0) }.joined(separator: ",")])
    }

    /// An event type per account. An account can be chosen once a worker has registered
    /// it, so a bench worker registers them all first (and leaves again: the run's
    /// bookings are made while no worker is connected).
    func createEventTypes(
        tenant: String, caller: AdminCaller, core: String, context: ZMQContext, environment: BenchEnvironment
    ) async throws {
        progress("dispatch: registering \(count) accounts and an event type for each")
        var logger = Logger(label: "herald-bench")
        logger.logLevel = .error
        let registrar = try BenchWorker(
            context: context, endpoint: core, channel: "email", instanceID: "bench-accounts", maxInFlight: 1,
            accounts: (0..<count).map { index in .with { $0.name = "a\(index)" } },
            curve: environment.curve?.channel, logger: logger)
        defer { registrar.stop() }
        try await registrar.waitForWelcome()
        // The core stores a worker's accounts after welcoming it.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await caller.admin.listAccounts(.init()).accounts.filter({ !$0.provider.isEmpty }).count < count {
            guard ContinuousClock.now < deadline else { throw BenchError("the core did not list the \(count) accounts within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        for index in 0..<count {
            _ = try await caller.admin.createEventType(.with {
                $0.tenantID = tenant
                $0.id = Self.eventType(index)
                $0.name = "Event type \(index)"
                $0.emailAccount = "a\(index)"
            })
        }
        // Gone before the bookings are made, so they all wait for the measured workers.
        registrar.stop()
        while try await caller.workerCount() > 0 {
            guard ContinuousClock.now < deadline else { throw BenchError("the account registrar did not leave within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// The unpaced run, the paced run, and how they compare.
func runPacing(
    environment: BenchEnvironment, context: ZMQContext, jobs n: Int, workers k: Int, accounts: Int
) async throws -> [EngineResult] {
    let unpaced = try await runDispatchThroughput(
        environment: environment, context: context, jobs: n, workers: k, maxInFlight: 256,
        accounts: BenchAccounts(count: accounts, rates: []))[0]
    let paced = try await runDispatchThroughput(
        environment: environment, context: context, jobs: n, workers: k, maxInFlight: 256,
        accounts: BenchAccounts(count: accounts, rates: [40, 50, 60, 70, 80]))[0]
    let rate = { (result: EngineResult) in result.metrics["deliveries_per_second"] ?? .nan }
    let cpu = { (result: EngineResult) in result.metrics["heraldd_cpu_us_per_delivery"] ?? .nan }
    let ratio = rate(paced) / rate(unpaced)
    let comparison = EngineResult(
        scenario: "pacing's cost (\(accounts) accounts, paced / unpaced)", size: n,
        result: "\(fixed(ratio * 100, 1)) % of the unpaced rate, \(fixed(cpu(paced) - cpu(unpaced), 0)) µs more heraldd CPU per delivery",
        target: "paced rate >= 90 % of unpaced", met: ratio >= 0.9,
        metrics: [
            "paced_over_unpaced_rate": ratio,
            "extra_heraldd_cpu_us_per_delivery": cpu(paced) - cpu(unpaced),
        ],
        notes: ["both runs on fresh cores, one after the other; rates move ±15 % with load, CPU per delivery much less"])
    return [unpaced, paced, comparison]
}
