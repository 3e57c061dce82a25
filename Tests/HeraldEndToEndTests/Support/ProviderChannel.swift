import Foundation

extension Binaries {
    /// A channel program built next to `heraldd`, e.g. `herald-sms-twilio`.
    static func program(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// A real provider channel program (`herald-sms-twilio`, `herald-webhook`, ...)
/// connected to a core.
final class ProviderChannel: @unchecked Sendable {
    let process: ChildProcess
    let instance: String

    /// Starts `PROGRAM --core ENDPOINT --instance NAME ARGS` with `environment`
    /// added to this process's, and waits until the core lists the instance.
    static func start(
        _ program: String, core: RunningCore, instance: String? = nil, environment: [String: String] = [:],
        arguments: [String] = []
    ) async throws -> ProviderChannel {
        let instance = instance ?? "\(program)-\(UUID().uuidString.prefix(8))"
        let process = try ChildProcess(
            Binaries.program(program), ["--core", core.channelEndpoint, "--instance", instance] + arguments,
            environment: environment)
        try await eventually(timeout: .seconds(30), "\(program) \(instance) to register") {
            if !process.isRunning { throw WorkerExited(instance: instance, stderr: process.stderr) }
            return try await core.channels().workers.contains { $0.instance_id == instance }
        }
        return ProviderChannel(process: process, instance: instance)
    }

    /// Starts a channel program that is expected to refuse to start, and
    /// returns its exit status and what it printed.
    static func refusal(_ program: String, environment: [String: String], arguments: [String] = []) async throws -> CommandResult {
        let start = ContinuousClock.now
        let process = try ChildProcess(
            Binaries.program(program), ["--core", "tcp://127.0.0.1:1"] + arguments, environment: environment)
        let status = try await process.waitForExit(timeout: .seconds(30))
        return CommandResult(status: status, stdout: process.stdout, stderr: process.stderr, elapsed: ContinuousClock.now - start)
    }

    private init(process: ChildProcess, instance: String) {
        self.process = process
        self.instance = instance
    }

    func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.waitForExit(timeout: .seconds(60))
    }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
    }
}

extension RunningCore {
    /// Creates a confirmed booking for a customer reachable by phone only; returns its id.
    @discardableResult
    func createPhoneBooking(
        _ tenant: String, id: String, phone: String, name: String = "Ada Lovelace",
        start: Date = Date().addingTimeInterval(3 * 86400)
    ) async throws -> String {
        try await heraldOrThrow([
            "booking", "create", tenant, "--id", id, "--start", iso8601(start), "--phone", phone, "--name", name,
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits for the first ReminderLog row of `booking` on `channel` with a final outcome.
    func waitForOutcome(
        tenant: String, booking: String, channel: String, timeout: Duration = .seconds(60)
    ) async throws -> LogRow {
        var found: LogRow?
        try await eventually(timeout: timeout, "a \(channel) outcome for \(booking)") {
            found = try await log(tenant: tenant).first { $0.booking_id == booking && $0.channel == channel }
            return found != nil
        }
        return found!
    }
}
