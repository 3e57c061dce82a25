import Foundation
import HeraldTesting
import Testing

/// `examples/python-channel`: a channel written in Python from `proto/` and
/// `docs/protocol.md` alone, against the real core. It proves a plugin needs
/// only the contract.
@Suite("a Python channel from the contract alone", .timeLimit(.minutes(5)))
struct PythonChannelTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/python-channel/herald_channel.py")

    /// Plain, and with CURVE (the channel key from `herald keys init`, read by pyzmq).
    @Test(arguments: [false, true])
    func registersDeliversAndSaysGoodbye(curve: Bool) async throws {
        let keysDirectory = try TemporaryDirectory()
        let keys = try await curve ? CurveKeySet.make(in: keysDirectory.url) : nil
        let core = try await RunningCore.start(
            arguments: keys?.coreArguments ?? [], clientEnvironment: keys?.client("admin") ?? [:])
        let out = core.directory.appendingPathComponent("deliveries.jsonl")
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let curveArguments = keys.map {
            ["--curve-secret-key", $0.secretKey("email"), "--curve-server-key", $0.publicKeyFile("core")]
        } ?? []
        let channel = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [python, Self.script.path, "--core", core.channelEndpoint, "--instance", "py-1", "--out", out.path] + curveArguments)
        try await eventually("the Python worker to register", within: .seconds(60)) {
            if !channel.isRunning { throw WorkerExited(instance: "py-1", stderr: channel.stderr) }
            return try await core.channels().workers.contains { $0.instance_id == "py-1" && $0.provider == "python-example" }
        }

        try await core.createTenant("salon")
        _ = try await core.createBooking("salon", id: "b-1", email: "ada@example.com")
        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent by the Python worker") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.kind == "confirmation" })
        #expect(row.provider == "python-example")
        #expect(row.provider_message_id == "line:" + row.job_id)

        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1, "\(lines)")
        let record = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(record?["delivery_id"] as? String == row.job_id)
        #expect(record?["kind"] as? String == "NOTIFICATION_KIND_CONFIRMATION")
        #expect((record?["subject"] as? String)?.contains("is confirmed") == true, "\(String(describing: record))")

        // SIGTERM: Goodbye, so the core forgets the worker at once (not after 3 heartbeats).
        channel.signal(SIGTERM)
        #expect(try await channel.waitForExit() == 0, "\(channel.stderr)")
        try await eventually("the core to drop the worker", within: .seconds(30)) {
            try await !core.channels().workers.contains { $0.instance_id == "py-1" }
        }
        #expect(try await core.stop() == 0)
    }

    /// The core's Shutdown: the Python worker stays up and registers with the next core.
    @Test func survivesTheCoresShutdownAndRegistersWithTheNextCore() async throws {
        let directory = try TemporaryDirectory()
        let core = try await RunningCore.start(in: directory.url, arguments: CoreShutdownTests.slowHeartbeats)
        let out = directory.url.appendingPathComponent("deliveries.jsonl")
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let channel = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [python, Self.script.path, "--core", core.channelEndpoint, "--instance", "py-2", "--out", out.path])
        try await eventually("the Python worker to register", within: .seconds(60)) {
            if !channel.isRunning { throw WorkerExited(instance: "py-2", stderr: channel.stderr) }
            return try await core.channels().workers.contains { $0.instance_id == "py-2" }
        }
        let next = try await CoreShutdownTests.restart(
            core, in: directory.url, worker: channel, instance: "py-2", provider: "python-example",
            line: "the core is shutting down")
        channel.signal(SIGTERM)
        #expect(try await channel.waitForExit() == 0, "\(channel.stderr)")
        #expect(try await next.stop() == 0)
    }
}
