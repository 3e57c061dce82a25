import Foundation
import HeraldProto
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// `herald-chat` end to end: a real `heraldd`, the real channel program, and
    /// `Tests/Peers/webhook_peer.py` (without a secret) standing in for a chat
    /// service's incoming webhook, recording every POST.
    @Suite("Chat channel end to end", .timeLimit(.minutes(5)))
    struct ChatChannelTests {
        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let destinationID: String
            let url: String
        }

        /// A core, the peer answering as `plan` says, and tenant "salon" (customer
        /// e-mail off) with a team destination on channel chat at the peer.
        static func setUp(plan: String) async throws -> Setup {
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start("webhook_peer.py", directory: core.directory)
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off"])
            let url = "\(peer.baseURL)/hook/\(plan)"
            let added = try await core.heraldOrThrow(["team", "add", "salon", "--channel", "chat", "--to", url, "--json"])
            let destination = try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any]
            let id = try #require(destination?["id"] as? String)
            #expect(destination?["event_types"] as? [String] == ["booking.created", "booking.rescheduled", "booking.cancelled"])
            return Setup(core: core, peer: peer, destinationID: id, url: url)
        }

        static func startChannel(_ core: RunningCore) async throws -> ProviderChannel {
            try await ProviderChannel.start("herald-chat", core: core, environment: ["HERALD_CHAT_ALLOW": "127.0.0.1"])
        }

        @Test func aBookingWaitsForTheChannelThenReachesTheTeamChat() async throws {
            let setup = try await Self.setUp(plan: "200")
            try await setup.core.createBooking("salon", id: "b-1")

            // No chat worker yet: the note waits in the queue.
            let queued = try await setup.core.channels()
            #expect(queued.queues.first { $0.channel == "chat" }?.due_now == 1, "\(queued.queues)")
            #expect(try await setup.core.log(tenant: "salon").isEmpty)

            let channel = try await Self.startChannel(setup.core)
            let row = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "chat")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.kind == "host_notification")
            #expect(row.provider == "http")
            #expect(row.recipient == "\(setup.peer.baseURL)/…", "the URL, its credential, is shown by its host only")
            #expect(row.attempts == 1)

            let requests = setup.peer.requests
            #expect(requests.count == 1, "\(requests)")
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["idempotency-key"] == row.job_id, "the delivery id, the same on every attempt")
            let text = try #require(request.json?["text"] as? String)
            #expect(text.hasPrefix("Booking b-1 is confirmed."), "\(text)")
            #expect(text.contains("Customer: Customer b-1"), "\(text)")
            #expect(request.json?.count == 1, "only text: \(request.body)")

            #expect(try await channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        /// A deleted chat webhook answers 404 or 410: the note fails at once, the core
        /// disables the destination saying why, and later bookings plan nothing for it
        /// until an admin enables it again.
        @Test func aGoneWebhookDisablesTheTeamDestination() async throws {
            let setup = try await Self.setUp(plan: "410")
            let channel = try await Self.startChannel(setup.core)
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "chat")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.attempts == 1)
            #expect(row.error.hasPrefix("410: "), "\(row)")
            #expect(row.error.contains("the webhook is gone"), "\(row)")
            #expect(setup.peer.requests.map(\.status) == [410])

            let listed = try await setup.core.heraldOrThrow(["team", "list", "salon", "--json"])
            let destinations = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]]
            #expect(destinations?.first?["enabled"] as? Bool == false, "\(listed)")
            let reason = destinations?.first?["disabled_reason"] as? String ?? ""
            #expect(reason.contains("recipient is gone") && reason.contains("410"), "\(reason)")

            try await setup.core.createBooking("salon", id: "b-2")
            let schedule = try await setup.core.schedule("b-2")
            #expect(!schedule.notifications.contains { $0.channel == "chat" }, "\(schedule.notifications)")

            _ = try await setup.core.heraldOrThrow(["team", "enable", setup.destinationID])
            let again = try await setup.core.heraldOrThrow(["team", "list", "salon", "--json"])
            let enabled = try JSONSerialization.jsonObject(with: Data(again.utf8)) as? [[String: Any]]
            #expect(enabled?.first?["enabled"] as? Bool == true, "\(again)")
            #expect(try await channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        /// What `herald-chat` tells the core for each answer of the chat service,
        /// one delivery per answer through a fake core.
        @Test func eachAnswerBecomesTheRightOutcome() async throws {
            let directory = try TemporaryDirectory()
            let peer = try await RunningPeer.start("webhook_peer.py", directory: directory.url)
            let core = try FakeChannelCore()
            defer { core.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await core.pump() }
                let process = try ChildProcess(
                    Binaries.program("herald-chat"), ["--core", core.endpoint, "--instance", "chat-outcomes"],
                    environment: ["HERALD_CHAT_ALLOW": "127.0.0.0/8"])
                defer { process.signal(SIGKILL) }

                func answer(to plan: String) async throws -> Herald_V1_Result {
                    let delivery = Self.chatDelivery("d-\(plan.replacingOccurrences(of: ":", with: "-"))", url: "\(peer.baseURL)/hook/\(plan)")
                    try await core.deliver(delivery)
                    return try await core.result(for: delivery.deliveryID)
                }

                let sent = try await answer(to: "204")
                #expect(sent.outcome == .sent, "\(sent)")
                #expect(sent.provider == "http")

                let limited = try await answer(to: "429:8")
                #expect(limited.outcome == .retry, "\(limited)")
                #expect(limited.retryAfterMs == 8000)
                #expect(limited.errorCode == "429")

                let down = try await answer(to: "503")
                #expect(down.outcome == .retry && down.errorCode == "503", "\(down)")

                for gone in ["404", "410"] {
                    let result = try await answer(to: gone)
                    #expect(result.outcome == .failed && result.recipientGone, "\(gone): \(result)")
                    #expect(result.errorCode == gone)
                }

                let refused = try await answer(to: "400")
                #expect(refused.outcome == .failed && !refused.recipientGone, "\(refused)")

                let posted = peer.requests.map(\.status)
                #expect(posted == [204, 429, 503, 404, 410, 400], "\(posted)")
                #expect(peer.requests.first?.json?["text"] as? String == "New booking: Ada, Sun 17 Aug 15:30")
                group.cancelAll()
            }
        }

        /// Without HERALD_CHAT_ALLOW a loopback URL is refused before any request.
        @Test func aLoopbackURLIsRefusedWithoutTheAllowList() async throws {
            let setup = try await Self.setUp(plan: "200")
            let channel = try await ProviderChannel.start("herald-chat", core: setup.core)
            try await setup.core.createBooking("salon", id: "b-1")

            let row = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "chat")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.error.hasPrefix("target_refused: "), "\(row)")
            #expect(row.error.contains("loopback") && row.error.contains("HERALD_CHAT_ALLOW"), "\(row)")
            #expect(setup.peer.requests.isEmpty, "\(setup.peer.requests)")
            // A refusal is not a gone recipient: the destination stays enabled.
            let listed = try await setup.core.heraldOrThrow(["team", "list", "salon", "--json"])
            #expect(listed.contains("\"enabled\" : true") || listed.contains("\"enabled\":true"), "\(listed)")
            #expect(try await channel.stop() == 0)
        }

        static func chatDelivery(_ id: String, url: String) -> Herald_V1_Delivery {
            .with {
                $0.deliveryID = id
                $0.attempt = 1
                $0.tenantID = "salon"
                $0.kind = .hostNotification
                $0.channel = "chat"
                $0.recipient = .with { $0.address = url }
                $0.message = .with {
                    $0.subject = "New booking"
                    $0.textBody = "New booking: Ada, Sun 17 Aug 15:30"
                }
            }
        }
    }
}
