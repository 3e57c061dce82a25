import Foundation
import HeraldChannelKit
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

    /// Delivery receipts from another language: the Python worker's own listener
    /// (`--callback-listen`, `POST /status` signed with HMAC-SHA256) forwards each
    /// receipt as a `Report` and answers 200 only once the core acknowledged it;
    /// 403 for a bad signature (counted at the core through its heartbeats), 400
    /// for a bad body, 503 with no core to take it.
    @Test func forwardsSignedReceiptsToTheCore() async throws {
        let core = try await RunningCore.start(arguments: ["--heartbeat-interval", "0.5"])
        let out = core.directory.appendingPathComponent("deliveries.jsonl")
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let port = try freeTCPPort()
        let channel = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                python, Self.script.path, "--core", core.channelEndpoint, "--instance", "py-3", "--out", out.path,
                "--callback-listen", "127.0.0.1:\(port)", "--callback-secret", "s3cret",
            ])
        try await eventually("the Python worker to take receipts and register", within: .seconds(60)) {
            if !channel.isRunning { throw WorkerExited(instance: "py-3", stderr: channel.stderr) }
            guard channel.stderr.contains("python-example: taking receipts on http://127.0.0.1:\(port)") else { return false }
            return try await core.channels().workers.contains { $0.instance_id == "py-3" }
        }

        try await core.createTenant("salon")
        _ = try await core.createBooking("salon", id: "b-1", email: "ada@example.com")
        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent by the Python worker") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let sent = try #require(rows.first { $0.kind == "confirmation" && $0.outcome == "sent" })
        #expect(sent.provider == "python-example")
        #expect(sent.provider_message_id == "line:" + sent.job_id)
        #expect(sent.delivery_status.isEmpty, "\(sent)")
        func row() async throws -> LogRow {
            try #require(try await core.log(tenant: "salon").first { $0.id == sent.id })
        }

        // Signed and delivered: 200 once the core stored it, so the log has it already.
        let deliveredAt = (Date().timeIntervalSince1970 - 3600).rounded(.down)
        let delivered = try await Self.postReceipt(port: port, [
            "message_id": sent.provider_message_id, "status": "delivered", "timestamp": Int(deliveredAt),
        ])
        #expect(delivered.status == 200, "\(delivered.status) \(delivered.bodySnippet())\n\(channel.stderr)")
        let afterDelivered = try await row()
        #expect(afterDelivered.delivery_status == "delivered", "\(afterDelivered)")
        let statusAt = try #require(parseISO8601(afterDelivered.delivery_status_at), "\(afterDelivered.delivery_status_at)")
        #expect(abs(statusAt.timeIntervalSince1970 - deliveredAt) < 1.5, "\(afterDelivered.delivery_status_at)")
        #expect(afterDelivered.delivery_error_code.isEmpty && afterDelivered.delivery_error.isEmpty)

        // A wrong signature, or none: 403, nothing changes, and the refusals reach the core.
        let read: [String: Any] = ["message_id": sent.provider_message_id, "status": "read"]
        #expect(try await Self.postReceipt(port: port, read, secret: "not-the-secret").status == 403)
        #expect(try await Self.postReceipt(port: port, read, secret: nil).status == 403)
        #expect(try await row().delivery_status == "delivered")
        #expect(channel.stderr.contains("callback refused"), "\(channel.stderr)")
        let labels = ["channel": "email", "provider": "python-example"]
        var refused = 0.0
        try await eventually("2 refused callbacks counted at the core, not \(refused)", within: .seconds(30)) {
            refused = try await core.decoded(StatsReport.self, ["stats", "--json"])
                .counter("herald_callbacks_refused_total", labels) ?? 0
            return refused == 2
        }

        // A body that is not a receipt: 400.
        let garbage = try await Self.postReceipt(port: port, body: Data("not json".utf8))
        #expect(garbage.status == 400, "\(garbage.status) \(garbage.bodySnippet())")
        let unknownStatus = try await Self.postReceipt(port: port, ["message_id": sent.provider_message_id, "status": "lost"])
        #expect(unknownStatus.status == 400, "\(unknownStatus.status) \(unknownStatus.bodySnippet())")

        // States move forward only: undelivered after delivered is taken (200) and changes nothing.
        let undelivered = try await Self.postReceipt(port: port, [
            "message_id": sent.provider_message_id, "status": "undelivered",
            "error_code": "30003", "error_message": "Unreachable destination handset",
        ])
        #expect(undelivered.status == 200, "\(undelivered.status) \(undelivered.bodySnippet())")
        let afterUndelivered = try await row()
        #expect(afterUndelivered.delivery_status == "delivered", "\(afterUndelivered)")
        #expect(afterUndelivered.delivery_error_code.isEmpty && afterUndelivered.delivery_error.isEmpty, "\(afterUndelivered)")

        // No core to take it: 503, so that the provider tries again.
        #expect(try await core.stop() == 0)
        let orphan = try await Self.postReceipt(port: port, read)
        #expect(orphan.status == 503, "\(orphan.status) \(orphan.bodySnippet())\n\(channel.stderr)")

        channel.signal(SIGTERM)
        #expect(try await channel.waitForExit() == 0, "\(channel.stderr)")
        #expect(!channel.stderr.contains("s3cret"), "the callback secret reached the log")
    }

    /// POSTs `fields` as JSON to the Python worker's receipt listener.
    static func postReceipt(port: Int, _ fields: [String: Any], secret: String? = "s3cret") async throws -> HTTPResponse {
        try await postReceipt(port: port, body: JSONSerialization.data(withJSONObject: fields), secret: secret)
    }

    /// POSTs `body` to the Python worker's receipt listener, signed with `secret`
    /// (no signature when nil), and returns its answer.
    static func postReceipt(port: Int, body: Data, secret: String? = "s3cret") async throws -> HTTPResponse {
        var headers = [HTTPHeader("Content-Type", "application/json")]
        if let secret {
            // The example's scheme is WhatsApp's X-Hub-Signature-256: "sha256=" and the
            // lowercase hex HMAC-SHA256 of the raw body, keyed with the secret.
            headers.append(HTTPHeader("X-Example-Signature", WhatsAppSignature.expected(appSecret: secret, body: body)))
        }
        return try await HTTPClient().send(HTTPRequest(
            method: "POST", url: "http://127.0.0.1:\(port)/status", headers: headers, body: body,
            timeout: .seconds(30), allowsProxy: false))
    }
}
