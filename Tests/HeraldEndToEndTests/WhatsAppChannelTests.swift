import Foundation
import HeraldProto
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// `herald-whatsapp` end to end against `Tests/Peers/provider_peer.py`
    /// answering as the WhatsApp Cloud API: through a real `heraldd` (which sends
    /// text today), and through a stand-in core for template messages.
    @Suite("WhatsApp channel end to end", .timeLimit(.minutes(5)))
    struct WhatsAppChannelTests {
        static let token = "whatsapp-token-91c4"
        static let phoneNumberID = "106540352242922"

        static func peer(in directory: URL) async throws -> RunningPeer {
            try await RunningPeer.start(
                "provider_peer.py", directory: directory,
                arguments: ["--whatsapp-token", token, "--whatsapp-phone-id", phoneNumberID])
        }

        static func environment(_ peer: RunningPeer, token: String = token) -> [String: String] {
            ["WHATSAPP_TOKEN": token, "WHATSAPP_PHONE_NUMBER_ID": phoneNumberID, "WHATSAPP_API_BASE": peer.baseURL,
             "WHATSAPP_API_VERSION": ""]
        }

        @Test func templateMessageThroughTheCore() async throws {
            let core = try await RunningCore.start()
            let peer = try await Self.peer(in: core.directory)
            let channel = try await ProviderChannel.start("herald-whatsapp", core: core, environment: Self.environment(peer))
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off", "--whatsapp", "on"])
            try await core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "whatsapp")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.provider == "whatsapp-cloud")
            #expect(row.attempts == 1)
            #expect(row.provider_message_id.hasPrefix("wamid."), "\(row)")

            let request = try #require(peer.requests.first)
            #expect(peer.requests.count == 1)
            #expect(request.path == "/v21.0/\(Self.phoneNumberID)/messages")
            #expect(request.headers["authorization"] == "Bearer \(Self.token)")
            #expect(request.headers["content-type"] == "application/json")
            let body = try #require(request.json)
            #expect(body["messaging_product"] as? String == "whatsapp")
            #expect(body["to"] as? String == "4915112340000")
            // The core names the approved template and its parameters: business-initiated
            // messages must be templates.
            #expect(body["type"] as? String == "template", "\(body)")
            let template = body["template"] as? [String: Any]
            #expect(template?["name"] as? String == "herald_confirmation", "\(body)")
            let components = template?["components"] as? [[String: Any]] ?? []
            let parameters = (components.first?["parameters"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(parameters.count == 4, "\(body)")
            #expect(parameters.first == "Ada", "\(body)")

            #expect(try await channel.stop() == 0)
            #expect(!channel.process.stderr.contains(Self.token))
            #expect(try await core.stop() == 0)
        }

        @Test func outsideTheCustomerWindowFailsThroughTheCore() async throws {
            let core = try await RunningCore.start()
            let peer = try await Self.peer(in: core.directory)
            let channel = try await ProviderChannel.start("herald-whatsapp", core: core, environment: Self.environment(peer))
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off", "--whatsapp", "on"])
            try await core.createPhoneBooking("salon", id: "b-1", phone: "+15005550047")

            let row = try await core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "whatsapp")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.attempts == 1)
            #expect(row.error.contains("131047"), "\(row)")
            #expect(row.error.contains("Re-engagement"), "\(row)")
            #expect(peer.requests.map(\.status) == [400])
            #expect(try await channel.stop() == 0)
        }

        /// Runs the real `herald-whatsapp` against a stand-in core and hands it `delivery`.
        static func send(_ delivery: Herald_V1_Delivery, peer: RunningPeer, token: String = token) async throws -> Herald_V1_Result {
            let core = try FakeChannelCore()
            defer { core.close() }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await core.pump() }
                let process = try ChildProcess(
                    Binaries.program("herald-whatsapp"), ["--core", core.endpoint, "--instance", "whatsapp-template"],
                    environment: environment(peer, token: token))
                defer { process.signal(SIGKILL) }
                try await core.deliver(delivery)
                let result = try await core.result(for: delivery.deliveryID)
                core.close()
                group.cancelAll()
                return result
            }
        }

        static func templateDelivery(_ id: String, phone: String) -> Herald_V1_Delivery {
            .with {
                $0.deliveryID = id
                $0.attempt = 1
                $0.tenantID = "salon"
                $0.bookingID = "b-1"
                $0.kind = .reminder
                $0.channel = "whatsapp"
                $0.recipient = .with { $0.name = "Ada"; $0.phone = phone }
                $0.message = .with {
                    $0.textBody = "Hi Ada, this is a reminder of your appointment."
                    $0.templateName = "appointment_reminder"
                    $0.templateLanguage = "de"
                    $0.templateParameters = ["Ada", "Sa., 17. Aug. 2030 um 17:30"]
                }
                $0.reminderOffsetMinutes = 1440
                $0.scheduleVersion = 1
            }
        }

        @Test func templateMessageIsSentInTheCloudAPIShape() async throws {
            let directory = try TemporaryDirectory()
            let peer = try await Self.peer(in: directory.url)
            let result = try await Self.send(Self.templateDelivery("d-template", phone: "+4915112340000"), peer: peer)
            #expect(result.outcome == .sent, "\(result)")
            #expect(result.provider == "whatsapp-cloud")
            #expect(result.providerMessageID.hasPrefix("wamid."), "\(result)")

            let body = try #require(peer.requests.first?.json)
            #expect(body["messaging_product"] as? String == "whatsapp")
            #expect(body["to"] as? String == "4915112340000")
            #expect(body["type"] as? String == "template")
            #expect(body["text"] == nil)
            let template = try #require(body["template"] as? [String: Any])
            #expect(template["name"] as? String == "appointment_reminder")
            #expect((template["language"] as? [String: Any])?["code"] as? String == "de")
            let components = try #require(template["components"] as? [[String: Any]])
            #expect(components.count == 1)
            #expect(components.first?["type"] as? String == "body")
            let parameters = components.first?["parameters"] as? [[String: Any]] ?? []
            #expect(parameters.map { $0["type"] as? String } == ["text", "text"])
            #expect(parameters.map { $0["text"] as? String } == ["Ada", "Sa., 17. Aug. 2030 um 17:30"])
        }

        @Test func templateOutsideTheWindowFailsWithTheCode() async throws {
            let directory = try TemporaryDirectory()
            let peer = try await Self.peer(in: directory.url)
            let result = try await Self.send(Self.templateDelivery("d-window", phone: "+15005550047"), peer: peer)
            #expect(result.outcome == .failed, "\(result)")
            #expect(result.errorCode == "131047")
            #expect(result.errorMessage.contains("Re-engagement message"), "\(result)")
            #expect(!result.recipientGone)
        }

        @Test func rateLimitIsRetryWithRetryAfter() async throws {
            let directory = try TemporaryDirectory()
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: directory.url,
                arguments: ["--whatsapp-token", Self.token, "--whatsapp-phone-id", Self.phoneNumberID, "--retry-after", "3"])
            let result = try await Self.send(Self.templateDelivery("d-busy", phone: "+15005550429"), peer: peer)
            #expect(result.outcome == .retry, "\(result)")
            #expect(result.errorCode == "130429")
            #expect(result.retryAfterMs == 3000)
        }
    
        @Test func wrongTokenFailsWithTheGraphCode() async throws {
            let directory = try TemporaryDirectory()
            let peer = try await Self.peer(in: directory.url)
            let result = try await Self.send(
                Self.templateDelivery("d-token", phone: "+4915112340000"), peer: peer, token: "wrong-token-77aa")
            #expect(result.outcome == .failed, "\(result)")
            #expect(result.errorCode == "190")
            #expect(result.errorMessage.contains("Invalid OAuth access token"), "\(result)")
            #expect(peer.requests.first?.headers["authorization"] == "Bearer wrong-token-77aa")
        }
    }
}
