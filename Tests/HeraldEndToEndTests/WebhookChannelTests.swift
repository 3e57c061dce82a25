import Foundation
import HeraldProto
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// `herald-webhook` end to end: a real `heraldd`, the real channel program and
    /// `Tests/Peers/webhook_peer.py`, which checks every signature with the
    /// reference `standardwebhooks` library.
    @Suite("Webhook channel end to end", .timeLimit(.minutes(5)))
    struct WebhookChannelTests {
        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let channel: ProviderChannel
            let subscriptionID: String
        }

        /// A core, a subscriber answering as `plan` says (see webhook_peer.py), a
        /// subscription of tenant "salon" to booking.created at it, and the channel.
        static func setUp(plan: String, allow: String? = "127.0.0.1") async throws -> Setup {
            let core = try await RunningCore.start()
            let secretFile = core.directory.appendingPathComponent("webhook-secret")
            let peer = try await RunningPeer.start(
                "webhook_peer.py", directory: core.directory, arguments: ["--secret-file", secretFile.path])
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off"])
            let added = try await core.heraldOrThrow([
                "webhook", "add", "salon", "--url", "\(peer.baseURL)/hook/\(plan)", "--events", "booking.created", "--json",
            ])
            let subscription = try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any]
            let secret = try #require(subscription?["secret"] as? String)
            let id = try #require(subscription?["id"] as? String)
            try Data(secret.utf8).write(to: secretFile)
            let channel = try await ProviderChannel.start(
                "herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": allow ?? ""])
            return Setup(core: core, peer: peer, channel: channel, subscriptionID: id)
        }

        static func outcome(_ setup: Setup, booking: String, timeout: Duration = .seconds(60)) async throws -> LogRow {
            let row = try await setup.core.waitForOutcome(tenant: "salon", booking: booking, channel: "webhook", timeout: timeout)
            #expect(row.kind == "webhook", "\(row)")
            return row
        }

        @Test func deliveredSignedAndVerified() async throws {
            let setup = try await Self.setUp(plan: "200")
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await Self.outcome(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.provider == "http")
            #expect(row.attempts == 1)
            #expect(row.provider_message_id == row.job_id)

            let requests = setup.peer.requests
            #expect(requests.count == 1, "\(requests)")
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.verified == true, "standardwebhooks: \(request.verify_error ?? "")")
            #expect(request.headers["webhook-id"] == row.job_id)
            #expect(request.headers["content-type"] == "application/json")
            let timestamp = try #require(request.headers["webhook-timestamp"].flatMap { Double($0) })
            #expect(abs(timestamp - request.time) < 60)
            #expect(request.headers["webhook-signature"]?.hasPrefix("v1,") == true)
            let body = try #require(request.json)
            #expect(body["type"] as? String == "booking.created")
            #expect((body["data"] as? [String: Any])?["booking_id"] as? String == "b-1")

            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        @Test func goneFailsWithoutRetry() async throws {
            let setup = try await Self.setUp(plan: "410")
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await Self.outcome(setup, booking: "b-1")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.attempts == 1)
            #expect(row.error.contains("410"), "\(row)")
            #expect(row.error.contains("Gone"), "\(row)")
            #expect(setup.peer.requests.map(\.status) == [410])
            #expect(setup.peer.requests.first?.verified == true)

            // The core disabled the subscription, saying why...
            let listed = try await setup.core.heraldOrThrow(["webhook", "list", "salon", "--json"])
            let hooks = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]]
            #expect(hooks?.first?["enabled"] as? Bool == false, "\(listed)")
            #expect((hooks?.first?["disabled_reason"] as? String)?.contains("410") == true, "\(listed)")
            // ...so the next event plans no delivery to it (pending ones are
            // cancelled at send time: the store tests show that).
            try await setup.core.createBooking("salon", id: "b-2")
            let schedule = try await setup.core.schedule("b-2")
            #expect(!schedule.notifications.contains { $0.channel == "webhook" }, "\(schedule.notifications)")
            #expect(setup.peer.requests.count == 1)

            // An admin turns it back on once the endpoint is fixed.
            _ = try await setup.core.heraldOrThrow(["webhook", "enable", setup.subscriptionID])
            let again = try await setup.core.heraldOrThrow(["webhook", "list", "salon", "--json"])
            #expect(again.contains("\"enabled\" : true") || again.contains("\"enabled\":true"), "\(again)")
            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        @Test func aTestPingIsSignedAndAnsweredWithoutTouchingTheLog() async throws {
            let setup = try await Self.setUp(plan: "200")
            let answer = try await setup.core.heraldOrThrow(["webhook", "test", setup.subscriptionID, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
            #expect(json?["outcome"] as? String == "sent", "\(answer)")
            #expect(json?["provider"] as? String == "http")
            let request = try #require(setup.peer.requests.first)
            #expect(request.verified == true, "standardwebhooks: \(request.verify_error ?? "")")
            #expect(request.headers["webhook-id"] == json?["delivery_id"] as? String)
            #expect(request.json?["type"] as? String == "webhook.test")
            #expect(try await setup.core.log(tenant: "salon").isEmpty)

            // A rotated secret signs the next ping; the old one no longer verifies.
            let secretFile = setup.core.directory.appendingPathComponent("webhook-secret")
            let old = try String(contentsOf: secretFile, encoding: .utf8)
            let rotated = try await setup.core.heraldOrThrow(["webhook", "rotate-secret", setup.subscriptionID, "--json"])
            let secret = try #require((try JSONSerialization.jsonObject(with: Data(rotated.utf8)) as? [String: Any])?["secret"] as? String)
            #expect(secret != old)
            _ = try await setup.core.heraldOrThrow(["webhook", "test", setup.subscriptionID])
            #expect(setup.peer.requests.count == 2)
            #expect(setup.peer.requests.last?.verified == false, "signed with the new secret, checked with the old")
            try Data(secret.utf8).write(to: secretFile)
            _ = try await setup.core.heraldOrThrow(["webhook", "test", setup.subscriptionID])
            #expect(setup.peer.requests.last?.verified == true, "\(setup.peer.requests.last?.verify_error ?? "")")

            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        @Test func aTestPingToAGoneEndpointExitsOne() async throws {
            let setup = try await Self.setUp(plan: "410")
            let result = try await runHerald(
                ["webhook", "test", setup.subscriptionID], environment: ["HERALD_CORE": setup.core.adminEndpoint])
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.contains("failed"), "\(result)")
            #expect(result.stdout.contains("410"), "\(result)")
            // A ping is a test: it does not disable the subscription.
            let listed = try await setup.core.heraldOrThrow(["webhook", "list", "salon", "--json"])
            #expect(listed.contains("\"enabled\" : true") || listed.contains("\"enabled\":true"), "\(listed)")
            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        @Test func serverErrorIsRetriedThenDelivered() async throws {
            let setup = try await Self.setUp(plan: "500,200")
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await Self.outcome(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.attempts == 2)
            let requests = setup.peer.requests
            #expect(requests.map(\.status) == [500, 200], "\(requests)")
            #expect(requests.allSatisfy { $0.verified == true }, "\(requests.map { $0.verify_error ?? "ok" })")
            // The same message id on the retry, so the subscriber can tell it is a repeat.
            #expect(Set(requests.map { $0.headers["webhook-id"] ?? "" }) == [row.job_id])
            #expect(Set(requests.map(\.body)).count == 1, "the body is sent unchanged")
        }

        /// 429 with retry-after longer than the core's own backoff (5 s ± 20 %).
        @Test func tooManyRequestsHonoursRetryAfter() async throws {
            let setup = try await Self.setUp(plan: "429:8,200")
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await Self.outcome(setup, booking: "b-1", timeout: .seconds(90))
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.attempts == 2)
            let requests = setup.peer.requests
            #expect(requests.map(\.status) == [429, 200], "\(requests)")
            if requests.count == 2 {
                let gap = requests[1].time - requests[0].time
                #expect(gap >= 7.9, "the retry came \(gap) s after a 429 asking for 8 s")
            }
        }

        /// Without HERALD_WEBHOOK_ALLOW a loopback URL is refused before any request.
        @Test func loopbackTargetIsRefusedWithoutAllowList() async throws {
            let setup = try await Self.setUp(plan: "200", allow: nil)
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await Self.outcome(setup, booking: "b-1")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.attempts == 1)
            #expect(row.error.contains("target_refused"), "\(row)")
            #expect(row.error.contains("127.0.0.1"), "\(row)")
            #expect(row.error.contains("loopback"), "\(row)")
            #expect(row.error.contains("HERALD_WEBHOOK_ALLOW"), "\(row)")
            #expect(setup.peer.requests.isEmpty, "\(setup.peer.requests)")
        }

        /// A host name is judged by what it resolves to: `localhost` is loopback too.
        @Test func hostNameResolvingToLoopbackIsRefused() async throws {
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start(
                "webhook_peer.py", directory: core.directory,
                arguments: ["--secret-file", core.directory.appendingPathComponent("none").path])
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off"])
            _ = try await core.heraldOrThrow([
                "webhook", "add", "salon", "--url", "http://localhost:\(peer.port)/hook/200", "--events", "booking.created",
            ])
            // Allowing the address 127.0.0.1 does not allow what "localhost" might resolve to besides (::1).
            let channel = try await ProviderChannel.start("herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": "10.0.0.0/8"])
            try await core.createBooking("salon", id: "b-1")

            let row = try await core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "webhook")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.error.contains("localhost resolves to"), "\(row)")
            #expect(peer.requests.isEmpty)
            _ = try await channel.stop()
        }

        /// What the core is told about a 410: FAILED with recipient_gone, so it can
        /// disable the subscription (the core's side is not part of this test).
        @Test func goneTellsTheCoreTheRecipientIsGone() async throws {
            let directory = try TemporaryDirectory()
            let secretFile = directory.url.appendingPathComponent("secret")
            let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            try Data(secret.utf8).write(to: secretFile)
            let peer = try await RunningPeer.start("webhook_peer.py", directory: directory.url, arguments: ["--secret-file", secretFile.path])
            let core = try FakeChannelCore()
            defer { core.close() }
            let delivery = Self.webhookDelivery("d-gone", url: "\(peer.baseURL)/hook/410", secret: secret)
            let result = try await Self.send(delivery, through: core)
            #expect(result.outcome == .failed, "\(result)")
            #expect(result.recipientGone)
            #expect(result.errorCode == "410")
            #expect(result.provider == "http")
            let request = try #require(peer.requests.first)
            #expect(request.verified == true, "\(request.verify_error ?? "")")
            #expect(request.body == #"{"type":"booking.created","data":{}}"#, "sent unchanged")
        }
    
        /// A subscriber that is down is worth another try.
        @Test func connectionRefusedIsRetry() async throws {
            let core = try FakeChannelCore()
            defer { core.close() }
            // A port that refuses every connection for the test's length.
            let refusing = try RefusingPort()
            let url = "http://127.0.0.1:\(refusing.port)/hook/200"
            let secret = "whsec_" + Data("0123456789abcdef".utf8).base64EncodedString()
            let result = try await Self.send(Self.webhookDelivery("d-down", url: url, secret: secret), through: core)
            withExtendedLifetime(refusing) {}
            #expect(result.outcome == .retry, "\(result)")
            #expect(result.errorCode == "connection", "\(result)")
            #expect(!result.recipientGone)
        }

        static func webhookDelivery(_ id: String, url: String, secret: String) -> Herald_V1_Delivery {
            .with {
                $0.deliveryID = id
                $0.attempt = 1
                $0.tenantID = "salon"
                $0.kind = .webhook
                $0.channel = "webhook"
                $0.webhook = .with {
                    $0.subscriptionID = "wh-1"
                    $0.url = url
                    $0.secret = secret
                    $0.body = Data(#"{"type":"booking.created","data":{}}"#.utf8)
                    $0.eventType = "booking.created"
                }
            }
        }

        /// Runs the real `herald-webhook` (loopback allowed) against `core` and hands it `delivery`.
        static func send(_ delivery: Herald_V1_Delivery, through core: FakeChannelCore) async throws -> Herald_V1_Result {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await core.pump() }
                let process = try ChildProcess(
                    Binaries.program("herald-webhook"), ["--core", core.endpoint, "--instance", "webhook-\(delivery.deliveryID)"],
                    environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.0/8"])
                defer { process.signal(SIGKILL) }
                try await core.deliver(delivery)
                let result = try await core.result(for: delivery.deliveryID)
                core.close()
                group.cancelAll()
                return result
            }
        }
    }
}
