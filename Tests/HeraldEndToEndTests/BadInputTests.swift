import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Testing

/// Bad input gets a clear error naming the field, a non-zero exit, and writes nothing.
@Suite("bad input is refused and writes nothing", .timeLimit(.minutes(5)))
struct BadInputTests {
    @Test func everyBadBookingIsRefusedByName() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let start = AdminCLITests.future(days: 2)
        try await core.heraldOK("booking", "create", "salon", "--id", "taken", "--start", start)

        let cases: [(arguments: [String], status: Int32, mentions: String)] = [
            (["booking", "create", "salon", "--start", "next tuesday"], 1, "start_at"),
            (["booking", "create", "salon", "--start", "2030-02-30T10:00:00Z"], 1, "start_at"),
            (["booking", "create", "salon", "--start", "2030-01-10T10:00:00"], 1, "start_at"),
            (["booking", "create", "salon", "--start", ""], 1, "start_at"),
            (["booking", "create", "salon", "--start", "2020-01-01T10:00:00Z"], 1, "in the past"),
            (["booking", "create", "salon", "--start", start, "--end", "2020-01-01T10:00:00Z"], 1, "end_at"),
            (["booking", "create", "nobody", "--start", start], 1, "no tenant \"nobody\""),
            (["booking", "create", "salon", "--start", start, "--event-type", "massage"], 1, "event_type_id"),
            (["booking", "create", "salon", "--start", start, "--id", "taken"], 1, "already exists"),
            (["booking", "create", "salon", "--start", start, "--email", "bob"], 1, "customer_email"),
            (["booking", "create", "salon", "--start", start, "--email", "bob@localhost"], 1, "customer_email"),
            (["booking", "create", "salon", "--start", start, "--phone", "0151 1234567"], 1, "customer_phone"),
            (["booking", "create", "salon", "--start", start, "--phone", "+49"], 1, "E.164"),
            (["booking", "create", "salon", "--start", start, "--name", "Eve\nBcc: all@example.com"], 1, "customer_name"),
            (["booking", "create", "salon", "--start", start, "--status", "cancelled"], 64, "--status"),
            (["booking", "show", "missing"], 1, "no booking \"missing\""),
        ]
        for (arguments, status, mentions) in cases {
            let result = try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == status, "herald \(arguments): \(result)")
            #expect(result.stderr.contains(mentions), "herald \(arguments): \(result)")
            #expect(result.stdout.isEmpty, "herald \(arguments) printed data: \(result)")
        }
        // Two bad fields are both named in one answer.
        let both = try await core.herald("booking", "create", "salon", "--start", "soon", "--email", "nope")
        #expect(both.stderr.contains("start_at") && both.stderr.contains("customer_email"))

        // Nothing was written: still only the one good booking and its one event.
        let all = try await core.heraldOK("booking", "list", "salon", "--all", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(all.utf8)) as? [Any])?.count == 1)
        let events = try await core.heraldOK("events", "salon", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(events.utf8)) as? [Any])?.count == 1)
        #expect(try await core.stop() == 0)
    }

    @Test func badTenantSettingsAndWebhooksAreRefused() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let before = try await core.heraldOK("settings", "show", "salon", "--json")

        let cases: [(arguments: [String], status: Int32, mentions: String)] = [
            (["tenant", "create", "salon", "--name", "Again"], 1, "already exists"),
            (["tenant", "create", "bad id!", "--name", "X"], 1, "id"),
            (["tenant", "create", "x", "--name", "X", "--timezone", "Mars/Olympus"], 1, "timezone"),
            (["settings", "set", "salon", "--reminders", ""], 1, "reminder_offsets"),
            (["settings", "set", "salon", "--reminders", "60,-5"], 64, "--reminders"),
            (["settings", "set", "salon", "--reminders", "0"], 1, "reminder_offsets"),
            (["settings", "set", "salon", "--timezone", "Europe/Atlantis"], 1, "timezone"),
            (["settings", "set", "salon", "--quiet-hours", "25:00-08:00"], 64, "--quiet-hours"),
            (["settings", "set", "salon", "--email", "maybe"], 64, "--email"),
            (["settings", "set", "nobody", "--sms", "on"], 1, "no tenant"),
            (["event-type", "create", "salon", "cut", "--name", "Cut", "--host-emails", "a@x.com,not-an-address"], 1, "host_emails"),
            (["event-type", "create", "nobody", "cut", "--name", "Cut"], 1, "no tenant"),
            (["webhook", "add", "salon", "--url", "ftp://example.com/hook"], 1, "url"),
            (["webhook", "add", "salon", "--url", "not a url"], 1, "url"),
            (["webhook", "add", "salon", "--url", "https://example.com", "--events", "booking.exploded"], 1, "event_types"),
        ]
        for (arguments, status, mentions) in cases {
            let result = try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == status, "herald \(arguments): \(result)")
            #expect(result.stderr.contains(mentions), "herald \(arguments): \(result)")
        }
        // Settings are as they were, and no tenant, event type or webhook appeared.
        let after = try await core.heraldOK("settings", "show", "salon", "--json")
        #expect(after == before)
        let tenants = try await core.heraldOK("tenant", "list", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(tenants.utf8)) as? [Any])?.count == 1)
        let types = try await core.heraldOK("event-type", "list", "salon", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(types.utf8)) as? [Any])?.isEmpty == true)
        let hooks = try await core.heraldOK("webhook", "list", "salon", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(hooks.utf8)) as? [Any])?.isEmpty == true)
        #expect(try await core.stop() == 0)
    }

    @Test func unreachableCoreFailsWithinTheTimeout() async throws {
        // Nothing listens on a path in the test's own directory. (A loopback port bound
        // and released can be taken by another test meanwhile, which then leaves the
        // call unanswered instead of unreachable.)
        let directory = try makeTemporaryDirectory(prefix: "herald-e2e")
        let endpoint = "ipc://" + directory.appendingPathComponent("no-core").path
        let result = try await runHerald(["tenant", "list", "--core", endpoint, "--timeout", "1"])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("cannot reach the core"), "\(result)")
        #expect(result.elapsed < .seconds(15))
    }

    @Test func garbageOnBothRouterEndpointsIsDroppedAndCounted() async throws {
        let core = try await RunningCore.start()
        let context = try ZMQContext()
        for endpoint in [core.adminEndpoint, core.channelEndpoint] {
            let socket = try ZMQSocket(context: context, kind: .dealer)
            var options = ZMQSocketOptions()
            options.linger = .seconds(1)
            try socket.apply(options)
            try socket.connect(endpoint)
            var generator = SystemRandomNumberGenerator()
            // Field number 0 never decodes, whatever random bytes follow.
            let random = Data([0x07] + (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try socket.send([Data()])
            try socket.send([random])
            try socket.send([Data("a".utf8), Data("b".utf8), Data("c".utf8)])
            try socket.send([Data([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])])  // truncated protobuf
            socket.close()
        }
        // The core has counted every dropped frame (four per endpoint) and keeps serving.
        var dropped = 0
        try? await eventually("eight dropped frames to be counted", within: .seconds(30)) {
            let ping = try await core.heraldOK("ping", "--json")
            dropped = (try JSONSerialization.jsonObject(with: Data(ping.utf8)) as? [String: Any])?["dropped_frames"] as? Int ?? 0
            return dropped >= 8
        }
        #expect(dropped == 8)
        try await core.heraldOK("tenant", "create", "after-garbage", "--name", "Still Serving")
        #expect(core.process.stderr.contains("dropped"))
        #expect(try await core.stop() == 0)
    }

    @Test func stopsCleanlyOnSigtermAndSigint() async throws {
        for signal in [SIGTERM, SIGINT] {
            let core = try await RunningCore.start()
            try await core.heraldOK("tenant", "create", "t", "--name", "T")
            let start = ContinuousClock.now
            #expect(try await core.stop(signal: signal) == 0)
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(core.process.stderr.contains("heraldd stopped"))
        }
    }
}
