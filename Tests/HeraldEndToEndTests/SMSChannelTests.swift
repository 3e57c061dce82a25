import Foundation
import Testing

extension ChannelEndToEnd {
    /// `herald-sms-twilio` and `herald-sms-vonage` end to end: a real `heraldd`,
    /// the real channel program, and `Tests/Peers/provider_peer.py` answering as
    /// the provider would.
    @Suite("SMS channels end to end", .timeLimit(.minutes(5)))
    struct SMSChannelTests {
        static let twilioSID = "AC0123456789abcdef0123456789abcdef"
        static let twilioToken = "twilio-token-7f3a9c"
        static let vonageKey = "vonage-key-1"
        static let vonageSecret = "vonage-secret-5d2e8b"

        /// A core, a peer and the channel, with tenant "salon" sending SMS (only)
        /// through `provider`.
        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let channel: ProviderChannel
        }

        static func setUp(_ provider: String, retryAfter: Int = 1, environment: [String: String] = [:]) async throws -> Setup {
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    "--twilio-sid", twilioSID, "--twilio-token", twilioToken, "--vonage-key", vonageKey,
                    "--vonage-secret", vonageSecret, "--retry-after", String(retryAfter),
                ])
            let program = provider == "twilio" ? "herald-sms-twilio" : "herald-sms-vonage"
            let base: [String: String] = provider == "twilio"
                ? ["TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken, "TWILIO_PHONE_NUMBER": "+15005550006",
                   "TWILIO_MESSAGING_SERVICE_SID": "", "TWILIO_API_BASE": peer.baseURL]
                : ["VONAGE_API_KEY": vonageKey, "VONAGE_API_SECRET": vonageSecret, "VONAGE_NUMBER": "+4930123456",
                   "VONAGE_API_BASE": peer.baseURL]
            let channel = try await ProviderChannel.start(
                program, core: core, environment: base.merging(environment) { $1 }, arguments: ["--log-level", "trace"])
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off", "--sms", "on", "--sms-provider", provider])
            return Setup(core: core, peer: peer, channel: channel)
        }

        /// The confirmation's final ReminderLog row, and every request the peer saw.
        static func confirmation(_ setup: Setup, booking: String, timeout: Duration = .seconds(60)) async throws -> LogRow {
            let row = try await setup.core.waitForOutcome(tenant: "salon", booking: booking, channel: "sms", timeout: timeout)
            #expect(row.kind == "confirmation", "\(row)")
            return row
        }

        // MARK: Twilio

        @Test func twilioSendsAndLogsTheMessageSid() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.provider == "twilio")
            #expect(row.attempts == 1)
            #expect(row.recipient == "+4915112340000")
            #expect(row.provider_message_id.hasPrefix("SM") && row.provider_message_id.count == 34, "\(row)")

            let requests = setup.peer.requests
            #expect(requests.count == 1, "\(requests)")
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/2010-04-01/Accounts/\(Self.twilioSID)/Messages.json")
            #expect(request.status == 201)
            let credentials = Data("\(Self.twilioSID):\(Self.twilioToken)".utf8).base64EncodedString()
            #expect(request.headers["authorization"] == "Basic \(credentials)")
            #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            let form = request.form
            #expect(form["To"] == "+4915112340000", "\(form)")
            #expect(form["From"] == "+15005550006")
            #expect(form["MessagingServiceSid"] == nil)
            #expect(form["Body"]?.contains("Hi Ada, your appointment is confirmed") == true, "\(form)")

            #expect(try await setup.channel.stop() == 0)
            #expect(!setup.channel.process.stderr.contains(Self.twilioToken), "the auth token reached the log")
            #expect(try await setup.core.stop() == 0)
        }

        @Test func twilioSendsFromAMessagingService() async throws {
            let setup = try await Self.setUp("twilio", environment: ["TWILIO_MESSAGING_SERVICE_SID": "MG0123456789"])
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            let form = try #require(setup.peer.requests.first).form
            #expect(form["MessagingServiceSid"] == "MG0123456789", "\(form)")
            #expect(form["From"] == nil, "\(form)")
        }

        @Test(arguments: [
            ("+15005550001", "21211", "is not a valid phone number"),
            ("+15005550004", "21610", "unsubscribed recipient"),
        ])
        func twilioPermanentErrorsFailAtOnce(phone: String, code: String, message: String) async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: phone)

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.provider == "twilio")
            #expect(row.attempts == 1)
            #expect(row.error.contains(code), "\(row)")
            #expect(row.error.contains(message), "\(row)")
            #expect(row.provider_message_id.isEmpty)
            #expect(setup.peer.requests.map(\.status) == [400])
        }

        /// 429 with Retry-After: the channel answers RETRY with the wait, and the
        /// core waits at least that long (longer than its own 5 s ± 20 % backoff).
        @Test func twilioTooManyRequestsIsRetriedAfterRetryAfter() async throws {
            let setup = try await Self.setUp("twilio", retryAfter: 8)
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+15005550429")

            let row = try await Self.confirmation(setup, booking: "b-1", timeout: .seconds(90))
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.attempts == 2)
            let requests = setup.peer.requests
            #expect(requests.map(\.status) == [429, 201], "\(requests)")
            if requests.count == 2 {
                let gap = requests[1].time - requests[0].time
                #expect(gap >= 7.9, "the second attempt came \(gap) s after the 429 that asked for 8 s")
                #expect(requests[0].form == requests[1].form)
            }
            let job = try #require(try await setup.core.schedule("b-1").notifications.first { $0.kind == "confirmation" && $0.channel == "sms" })
            #expect(job.last_error.contains("20429"), "\(job)")
        }

        @Test func twilioWrongTokenFailsWithTheAuthenticationCode() async throws {
            let setup = try await Self.setUp("twilio", environment: ["TWILIO_AUTH_TOKEN": "wrong-token-4e1d"])
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.error.contains("20003"), "\(row)")
            #expect(row.error.contains("Authenticate"), "\(row)")
            #expect(!row.error.contains("wrong-token-4e1d"))
            #expect(setup.peer.requests.map(\.status) == [401])
        }

        // MARK: Vonage

        @Test func vonageSendsWithClientRefAndNoPlus() async throws {
            let setup = try await Self.setUp("vonage")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.provider == "vonage")
            #expect(row.attempts == 1)
            #expect(UUID(uuidString: row.provider_message_id) != nil, "the message-id: \(row)")

            let request = try #require(setup.peer.requests.first)
            #expect(setup.peer.requests.count == 1)
            #expect(request.path == "/sms/json")
            #expect(request.status == 200)
            let form = request.form
            #expect(form["api_key"] == Self.vonageKey)
            #expect(form["api_secret"] == Self.vonageSecret)
            #expect(form["from"] == "4930123456")
            #expect(form["to"] == "4915112340000", "no +: \(form)")
            #expect(form["client-ref"] == row.job_id, "the delivery id: \(form)")
            #expect(form["type"] == nil, "plain GSM-7 text: \(form)")
            #expect(form["text"]?.contains("Hi Ada, your appointment is confirmed") == true, "\(form)")

            #expect(try await setup.channel.stop() == 0)
            #expect(!setup.channel.process.stderr.contains(Self.vonageSecret), "the API secret reached the log")
        }

        @Test func vonageMarksNonGSMTextUnicode() async throws {
            let setup = try await Self.setUp("vonage")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000", name: "Łucja Żak")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            let form = try #require(setup.peer.requests.first).form
            #expect(form["type"] == "unicode", "\(form)")
            #expect(form["text"]?.contains("Hi Łucja,") == true, "\(form)")
        }

        @Test func vonageThrottledIsRetriedThenSent() async throws {
            let setup = try await Self.setUp("vonage")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+15005550001")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "sent", "\(row)")
            #expect(row.attempts == 2)
            let requests = setup.peer.requests
            #expect(requests.count == 2, "\(requests)")
            // The same client-ref on both attempts: Vonage's receipts tie them to one job.
            #expect(Set(requests.map { $0.form["client-ref"] ?? "" }) == [row.job_id])
            let job = try #require(try await setup.core.schedule("b-1").notifications.first { $0.kind == "confirmation" && $0.channel == "sms" })
            #expect(job.last_error.contains("Throughput Rate Exceeded"), "\(job)")
        }

        @Test func vonagePermanentStatusFails() async throws {
            let setup = try await Self.setUp("vonage")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+15005550002")

            let row = try await Self.confirmation(setup, booking: "b-1")
            #expect(row.outcome == "failed", "\(row)")
            #expect(row.provider == "vonage")
            #expect(row.attempts == 1)
            #expect(row.error.contains("2"), "\(row)")
            #expect(row.error.contains("Missing to param"), "\(row)")
            #expect(setup.peer.requests.count == 1)
        }
    }
}
