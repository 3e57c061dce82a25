import Foundation
import HeraldTesting
import Testing

/// A real `heraldd` on free ports (`tcp://127.0.0.1:*`) and a temporary
/// database, started for one test.
final class RunningCore: @unchecked Sendable {
    let directory: URL
    let ownsDirectory: Bool
    let process: ChildProcess
    let adminEndpoint: String
    let channelEndpoint: String
    let eventsEndpoint: String
    /// `http://HOST:PORT/metrics` from the ready line, when started with `--metrics-endpoint`.
    let metricsURL: String?
    /// Added to the environment of every `herald` this core's helpers run (e.g. CURVE keys).
    let clientEnvironment: [String: String]

    /// What `herald` needs to reach this core.
    var heraldEnvironment: [String: String] {
        clientEnvironment.merging(["HERALD_CORE": adminEndpoint, "HERALD_EVENTS": eventsEndpoint]) { _, new in new }
    }

    var databasePath: String { directory.appendingPathComponent("herald.db").path }

    /// Starts the core and waits for its ready line.
    /// - Parameters:
    ///   - directory: where the database lives; a new temporary one,
    ///     removed with this value, when nil.
    ///   - arguments: more `heraldd` options, e.g. `["--lease", "2"]`.
    ///   - endpoints: the endpoints to bind (to restart a core where its workers
    ///     look for it); free ports when nil.
    ///   - clientEnvironment: more environment for the `herald` commands run against it.
    ///   - database: `--db` (a postgres:// URL); the SQLite file in `directory` when nil.
    static func start(
        in given: URL? = nil, database: String? = nil, arguments: [String] = [], endpoints: CoreEndpoints? = nil,
        clientEnvironment: [String: String] = [:]
    ) async throws -> RunningCore {
        let directory = try given ?? makeTemporaryDirectory(prefix: "herald-e2e")
        // HERALD_TEST_CORES_ON_POSTGRES=1 runs the cores of every end-to-end test on a
        // fresh PostgreSQL database (not those that inspect the SQLite file): the whole
        // suite as a check of the PostgreSQL store in real flows.
        var database = database
        if database == nil, given == nil, ProcessInfo.processInfo.environment["HERALD_TEST_CORES_ON_POSTGRES"] == "1" {
            database = try await TestPostgres.createDatabase()
        }
        let process = try ChildProcess(
            Binaries.heraldd,
            [
                "--db", database ?? directory.appendingPathComponent("herald.db").path,
                "--admin-endpoint", endpoints?.admin ?? "tcp://127.0.0.1:*",
                "--channel-endpoint", endpoints?.channel ?? "tcp://127.0.0.1:*",
                "--events-endpoint", endpoints?.events ?? "tcp://127.0.0.1:*",
            ] + arguments)
        let line = try await process.waitForLine(containing: "heraldd ready")
        var endpoints: [String: String] = [:]
        for field in line.split(separator: " ") {
            let pair = field.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { endpoints[String(pair[0])] = String(pair[1]) }
        }
        return RunningCore(
            directory: directory, ownsDirectory: given == nil, process: process, adminEndpoint: endpoints["admin"] ?? "",
            channelEndpoint: endpoints["channel"] ?? "", eventsEndpoint: endpoints["events"] ?? "",
            metricsURL: endpoints["metrics"], clientEnvironment: clientEnvironment)
    }

    private init(
        directory: URL, ownsDirectory: Bool, process: ChildProcess, adminEndpoint: String, channelEndpoint: String,
        eventsEndpoint: String, metricsURL: String?, clientEnvironment: [String: String]
    ) {
        self.directory = directory
        self.ownsDirectory = ownsDirectory
        self.process = process
        self.adminEndpoint = adminEndpoint
        self.channelEndpoint = channelEndpoint
        self.eventsEndpoint = eventsEndpoint
        self.metricsURL = metricsURL
        self.clientEnvironment = clientEnvironment
    }

    /// The endpoints this core bound, to start another on the same ones.
    var endpoints: CoreEndpoints {
        CoreEndpoints(admin: adminEndpoint, channel: channelEndpoint, events: eventsEndpoint)
    }

    /// Runs `herald ARGS` against this core and waits for it to finish.
    func herald(_ arguments: String...) async throws -> CommandResult {
        try await runHerald(arguments, environment: heraldEnvironment)
    }

    /// Runs `herald ARGS` and expects success.
    @discardableResult
    func heraldOK(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await runHerald(arguments, environment: heraldEnvironment)
        #expect(result.status == 0, "herald \(arguments.joined(separator: " ")): \(result)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Stops the core with `signal` and returns its exit status.
    func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        try await process.stop(signal: signal, within: .seconds(30))
    }

    /// Waits until this core lists the worker `instance` (`herald channels --json`);
    /// throws if its `process` exits first.
    func waitForWorker(_ instance: String, process: ChildProcess, within limit: Duration = .seconds(30)) async throws {
        try await eventually("worker \(instance) to register", within: limit) {
            if !process.isRunning { throw WorkerExited(instance: instance, stderr: process.stderr) }
            return try await channels().workers.contains { $0.instance_id == instance }
        }
    }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
        if ownsDirectory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Where a core listens.
struct CoreEndpoints: Sendable {
    var admin: String
    var channel: String
    var events: String
}

/// Runs the `herald` binary to completion.
func runHerald(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    try await CommandResult.run(Binaries.herald, arguments, environment: environment)
}
