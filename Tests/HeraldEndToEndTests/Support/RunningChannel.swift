import Foundation
import HeraldTesting
import Testing

/// A real `herald-test-channel` worker process connected to a core.
final class RunningChannel: @unchecked Sendable {
    let process: ChildProcess
    let instance: String
    /// The file `--record` appends "delivery_id attempt" lines to, one per delivery handed out.
    let recordFile: URL

    /// Starts `herald-test-channel --core ENDPOINT --instance NAME --record FILE ARGS`
    /// and waits until the core lists the instance (`herald channels --json`).
    ///
    /// - Parameters:
    ///   - core: the core to connect to and to ask whether the worker is registered.
    ///   - endpoint: the channel endpoint to connect to (default: `core`'s).
    ///   - directory: where the record file goes.
    ///   - arguments: more options, e.g. `["--delay-ms", "300", "--max-in-flight", "2"]`.
    ///   - waitForRegistration: false to start it without waiting (e.g. no core yet).
    static func start(
        _ instance: String, core: RunningCore, endpoint: String? = nil, directory: URL, arguments: [String] = [],
        waitForRegistration: Bool = true
    ) async throws -> RunningChannel {
        let recordFile = directory.appendingPathComponent("\(instance).record")
        let process = try ChildProcess(
            Binaries.testChannel,
            ["--core", endpoint ?? core.channelEndpoint, "--instance", instance, "--record", recordFile.path] + arguments)
        let channel = RunningChannel(process: process, instance: instance, recordFile: recordFile)
        if waitForRegistration {
            try await core.waitForWorker(instance, process: process)
        }
        return channel
    }

    private init(process: ChildProcess, instance: String, recordFile: URL) {
        self.process = process
        self.instance = instance
        self.recordFile = recordFile
    }

    var isRunning: Bool { process.isRunning }

    /// Every delivery this worker was handed, in order: (delivery id, attempt).
    var handedOut: [(id: String, attempt: Int)] {
        guard let text = try? String(contentsOf: recordFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let attempt = Int(parts[1]) else { return nil }
            return (String(parts[0]), attempt)
        }
    }

    func kill9() async throws {
        _ = try await process.stop(signal: SIGKILL, within: .seconds(30))
    }

    func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        try await process.stop(signal: signal)
    }
}

struct WorkerExited: Error, CustomStringConvertible {
    var instance: String
    var stderr: String
    var description: String { "herald-test-channel \(instance) exited:\n\(stderr)" }
}

// MARK: What `herald ... --json` prints

struct LogRow: Decodable, Sendable, CustomStringConvertible {
    var id: Int64
    var job_id: String
    var tenant_id: String
    var booking_id: String
    var channel: String
    var provider: String
    var kind: String
    var reminder_offset_minutes: Int
    var schedule_version: Int
    var recipient: String
    var event_id: String
    var outcome: String
    var attempts: Int
    var provider_message_id: String
    var error: String
    var logged_at: String
    var delivery_status: String
    var delivery_status_at: String
    var delivery_error_code: String
    var delivery_error: String

    var description: String {
        "\(logged_at) \(outcome) \(kind) \(channel)/\(provider) \(booking_id) job=\(job_id) attempts=\(attempts) \(error)"
            + (delivery_status.isEmpty ? "" : " delivery=\(delivery_status) \(delivery_error_code) \(delivery_error)")
    }
}

struct ScheduleReport: Decodable, Sendable {
    struct Notification: Decodable, Sendable, CustomStringConvertible {
        var job_id: String
        var kind: String
        var channel: String
        var provider: String
        var recipient: String
        var reminder_offset_minutes: Int
        var due_at: String
        var status: String
        var attempt: Int
        var last_error: String
        var delivery_status: String
        var fallback: Bool

        var description: String { "\(kind) \(channel) due=\(due_at) \(status) attempt=\(attempt) \(last_error) \(delivery_status)" }
    }

    var notifications: [Notification]
    var log: [LogRow]
}

struct ChannelsReport: Decodable, Sendable {
    struct Worker: Decodable, Sendable {
        var channel: String
        var provider: String
        var instance_id: String
        var max_in_flight: Int
        var in_flight: Int
    }

    struct Queue: Decodable, Sendable {
        var channel: String
        var due_now: Int
        var scheduled: Int
        var leased: Int
    }

    var workers: [Worker]
    var queues: [Queue]
}

struct CommandFailed: Error, CustomStringConvertible {
    var command: String
    var result: CommandResult
    var description: String { "herald \(command) failed: \(result)" }
}

extension RunningCore {
    /// Runs `herald ARGS`, throwing unless it succeeds.
    func heraldOrThrow(_ arguments: [String]) async throws -> String {
        let result = try await runHerald(arguments, environment: heraldEnvironment)
        guard result.status == 0 else { throw CommandFailed(command: arguments.joined(separator: " "), result: result) }
        return result.stdout
    }

    func decoded<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
        let text = try await heraldOrThrow(arguments)
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// The tenant's ReminderLog, newest first.
    func log(tenant: String) async throws -> [LogRow] {
        try await decoded([LogRow].self, ["log", "--tenant", tenant, "--limit", "1000", "--json"])
    }

    func schedule(_ booking: String) async throws -> ScheduleReport {
        try await decoded(ScheduleReport.self, ["schedule", booking, "--json"])
    }

    func channels() async throws -> ChannelsReport {
        try await decoded(ChannelsReport.self, ["channels", "--json"])
    }

    /// Creates a tenant with default settings (email on, reminders 1440 and 60 min).
    func createTenant(_ id: String) async throws {
        _ = try await heraldOrThrow(["tenant", "create", id, "--name", id])
    }

    /// Creates a confirmed booking with an email address and returns its id.
    @discardableResult
    func createBooking(
        _ tenant: String, id: String, start: Date = Date().addingTimeInterval(3 * 86400), email: String? = nil
    ) async throws -> String {
        try await heraldOrThrow([
            "booking", "create", tenant, "--id", id, "--start", iso8601(start),
            "--email", email ?? "\(id)@example.com", "--name", "Customer \(id)",
        ]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// "2025-08-17T15:30:00Z", whole seconds, as the CLI takes and prints times.
func iso8601(_ date: Date) -> String {
    Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        .formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
}

func parseISO8601(_ text: String) -> Date? {
    try? Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).parse(text)
}
