import Foundation
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// Issue 18's pacing end to end: herald-sms-twilio with two accounts whose senders
    /// are limited (rate_per_second), a burst of bookings made over the gateway, and
    /// `provider_peer.py` recording when each message reached "Twilio".
    @Suite("Pacing end to end", .timeLimit(.minutes(5)))
    struct PacingTests {
        typealias A = ProviderAccountTests

        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let channel: ProviderChannel
            let gateway: RunningGateway
            let adminKey: String
        }

        static func setUp(
            salonRate: Double, clinicRate: Double, retryAfter: Int = 1, coreArguments: [String] = []
        ) async throws -> Setup {
            let core = try await RunningCore.start(arguments: coreArguments)
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    "--twilio-sid", A.salonSID, "--twilio-token", A.salonToken, "--twilio-account", "\(A.clinicSID):\(A.clinicToken)",
                    "--retry-after", String(retryAfter),
                ])
            var salon = A.salonEntry()
            salon["rate_per_second"] = salonRate
            var clinic = A.clinicEntry()
            clinic["rate_per_second"] = clinicRate
            clinic.removeValue(forKey: "TWILIO_MESSAGING_SERVICE_SID")
            clinic["TWILIO_PHONE_NUMBER"] = "+15550000200"
            let file = core.directory.appendingPathComponent("accounts.json")
            try A.writeAccounts([salon, clinic], to: file)
            let channel = try await ProviderChannel.start(
                "herald-sms-twilio", core: core, environment: ["TWILIO_API_BASE": peer.baseURL],
                arguments: ["--accounts", file.path, "--max-in-flight", "8"])
            for tenant in ["salon", "clinic"] {
                try await core.createTenant(tenant)
                _ = try await core.heraldOrThrow([
                    "settings", "set", tenant, "--email", "off", "--sms", "on", "--sms-provider", "twilio", "--sms-account", tenant,
                ])
            }
            let created = try await runHerald(["apikey", "create", "--role", "admin", "--json"], environment: ["HERALD_CORE": core.adminEndpoint])
            let key = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["key"] as? String)
            let gateway = try await RunningGateway.start(core: core)
            return Setup(core: core, peer: peer, channel: channel, gateway: gateway, adminKey: key)
        }

        static func book(
            _ setup: Setup, _ tenant: String, phone: String, id: String, start: String = AdminCLITests.future(days: 3)
        ) async throws {
            let answer = try await setup.gateway.request("POST", "/api/tenants/\(tenant)/bookings", key: setup.adminKey, body: [
                "id": id, "customer_name": "Ada", "customer_phone": phone, "start_at": start,
                "status": "confirmed",
            ])
            #expect(answer.status == 201, "\(answer)")
        }

        /// The most requests in any window of `seconds`.
        static func busiest(_ times: [Double], seconds: Double) -> Int {
            let sorted = times.sorted()
            return sorted.indices.map { start in sorted[start...].prefix { $0 < sorted[start] + seconds }.count }.max() ?? 0
        }

        @Test func aBurstGoesOutAtEachSendersRateInDueOrder() async throws {
            let setup = try await Self.setUp(salonRate: 20, clinicRate: 10)
            for index in 0..<400 {
                try await Self.book(setup, "salon", phone: "+491510000\(1000 + index)", id: "s-\(index)")
                if index < 100 { try await Self.book(setup, "clinic", phone: "+491520000\(2000 + index)", id: "c-\(index)") }
            }
            try await eventually("all 500 messages at the peer", within: .seconds(120)) {
                Set(setup.peer.requests.compactMap { $0.form["To"] }).count >= 500
            }
            let requests = setup.peer.requests
            #expect(requests.allSatisfy { $0.status == 201 }, "no 429 from the provider: \(Set(requests.map(\.status)))")
            let salon = requests.filter { $0.path.contains(A.salonSID) }
            let clinic = requests.filter { $0.path.contains(A.clinicSID) }
            // Twilio has no idempotency key: a message whose answer the channel lost (a
            // busy machine) is sent again, and the log says so with a second attempt.
            if requests.count > 500 {
                let sent = try await setup.core.log(tenant: "salon") + setup.core.log(tenant: "clinic")
                #expect(sent.filter { $0.outcome == "sent" && $0.attempts > 1 }.count == requests.count - 500, "a repeat without a retry")
            }
            // In due order (the bookings were made one after the other), up to the
            // worker's 8 sends at once, which reach the provider in any order.
            for (requests, first, count) in [(salon, 1000, 400), (clinic, 2000, 100)] {
                var seen = Set<Int>()
                let positions = requests.compactMap { Int($0.form["To"]?.suffix(4) ?? "") }.filter { seen.insert($0).inserted }
                #expect(Set(positions) == Set(first..<(first + count)), "each message")
                let displaced = positions.enumerated().map { abs($0.element - first - $0.offset) }.max() ?? 0
                #expect(displaced < 8, "a message went out \(displaced) places from its due order")
            }
            // At the rate: in any 5 s, at most 5 s of messages and a quarter second's
            // burst (10 % tolerance for the peer, which records requests as it gets to
            // them), and the whole burst takes as long as it must.
            let salonTimes = salon.map(\.time), clinicTimes = clinic.map(\.time)
            let salonBusiest = Self.busiest(salonTimes, seconds: 5), clinicBusiest = Self.busiest(clinicTimes, seconds: 5)
            #expect(salonBusiest <= 115, "salon: \(salonBusiest) in 5 s at 20/s")
            #expect(clinicBusiest <= 58, "clinic: \(clinicBusiest) in 5 s at 10/s")
            let salonSpan = salonTimes.last! - salonTimes.first!, clinicSpan = clinicTimes.last! - clinicTimes.first!
            #expect(salonSpan >= 18, "400 at 20/s in \(salonSpan) s")
            #expect(clinicSpan >= 8.5, "100 at 10/s in \(clinicSpan) s")
            // Each sender at its own pace: the clinic's did not wait behind the salon's.
            #expect(clinicTimes.last! < salonTimes.last! - 5, "clinic done at \(clinicTimes.last!), salon at \(salonTimes.last!)")
            #expect(try await setup.gateway.stop() == 0)
            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        /// Reminders the sender's rate will hold past their deadline are told of (logged
        /// and counted) as soon as that is certain, before their turn comes: at one message
        /// a second, 15 confirmations (14 s of them) go ahead of 15 reminders due 8 s from
        /// now that may be at most 3 s late (`--late-grace 0.05`), so every reminder is
        /// reported, and then missed.
        @Test func remindersPacingWillHoldTooLongAreToldOfBeforeTheirTurn() async throws {
            let setup = try await Self.setUp(salonRate: 1, clinicRate: 1, coreArguments: ["--late-grace", "0.05"])
            _ = try await setup.core.heraldOrThrow(["settings", "set", "salon", "--reminders", "1"])
            // Every reminder due 1 minute before a start 68 s away: 8 s from now.
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(68))
            for index in 0..<15 {
                try await Self.book(setup, "salon", phone: "+491510000\(1000 + index)", id: "s-\(index)", start: start)
            }
            func reported() async throws -> Double? {
                try await setup.core.decoded(StatsReport.self, ["stats", "--json"]).counters.first {
                    $0.name == "herald_paced_past_deadline_total" && $0.labels["sender"] == "sms/twilio#salon"
                }?.value
            }
            try await eventually("all 15 reminders reported", within: .seconds(60)) { try await reported() == 15 }
            #expect(setup.core.process.stderr.contains("pacing will hold due messages past their deadline"))
            // Told before any of them was missed.
            #expect(try await setup.core.log(tenant: "salon").filter { $0.outcome == "missed" }.count < 15)
            try await eventually("the 15 reminders missed", within: .seconds(60)) {
                try await setup.core.log(tenant: "salon").filter { $0.outcome == "missed" && $0.kind == "reminder" }.count == 15
            }
            #expect(try await reported() == 15, "each reported once")
            #expect(setup.peer.requests.count == 15, "the confirmations only")
            #expect(try await setup.gateway.stop() == 0)
            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }

        /// Twilio answers 429 with Retry-After 5 for one of the salon's messages: the salon's
        /// sender waits 5 s as a whole, while the clinic's goes on.
        @Test func aRetryAfterSlowsThatAccountOnly() async throws {
            let setup = try await Self.setUp(salonRate: 50, clinicRate: 50, retryAfter: 5)
            try await Self.book(setup, "salon", phone: "+4915100000429", id: "s-429")
            try await eventually("the 429", within: .seconds(30)) { setup.peer.requests.contains { $0.status == 429 } }
            for index in 0..<5 {
                try await Self.book(setup, "salon", phone: "+491510000\(1000 + index)", id: "s-\(index)")
                try await Self.book(setup, "clinic", phone: "+491520000\(2000 + index)", id: "c-\(index)")
            }
            try await eventually("all 11 requests at the peer", within: .seconds(60)) { setup.peer.requests.count >= 12 }
            let requests = setup.peer.requests
            let throttledAt = try #require(requests.first { $0.status == 429 }).time
            let salonAfter = requests.filter { $0.path.contains(A.salonSID) && $0.time > throttledAt }
            let clinic = requests.filter { $0.path.contains(A.clinicSID) }
            #expect(salonAfter.count == 6, "\(salonAfter.count)")
            #expect(salonAfter.allSatisfy { $0.time >= throttledAt + 4.9 }, "the salon's sender sent during its pause")
            #expect(clinic.count == 5 && clinic.allSatisfy { $0.time < throttledAt + 4.9 }, "the clinic's waited for the salon's pause")
            #expect(try await setup.gateway.stop() == 0)
            #expect(try await setup.channel.stop() == 0)
            #expect(try await setup.core.stop() == 0)
        }
    }
}
