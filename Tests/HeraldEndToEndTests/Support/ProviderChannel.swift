import Foundation
import HeraldTesting

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
        try await core.waitForWorker(instance, process: process)
        return ProviderChannel(process: process, instance: instance)
    }

    /// Starts a channel program that is expected to refuse to start, and
    /// returns its exit status and what it printed.
    static func refusal(_ program: String, environment: [String: String], arguments: [String] = []) async throws -> CommandResult {
        try await CommandResult.run(
            Binaries.program(program), ["--core", "tcp://127.0.0.1:1"] + arguments, environment: environment, within: .seconds(30))
    }

    private init(process: ChildProcess, instance: String) {
        self.process = process
        self.instance = instance
    }

    func stop() async throws -> Int32 {
        try await process.stop()
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
        try await waitFor("a \(channel) outcome for \(booking)", within: timeout) {
            try await log(tenant: tenant).first { $0.booking_id == booking && $0.channel == channel }
        }
    }
}
