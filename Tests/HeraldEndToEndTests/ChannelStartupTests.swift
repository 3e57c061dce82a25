import Foundation
import Testing

extension ChannelEndToEnd {
    /// No pretending: a provider channel without its credentials refuses to start,
    /// naming the variable, unless told to write to an outbox.
    @Suite("Provider channels refuse to start unconfigured", .timeLimit(.minutes(3)))
    struct ChannelStartupTests {
        /// Every variable the channels read, blank, so the test's own environment cannot leak in.
        static let blank: [String: String] = Dictionary(uniqueKeysWithValues: [
            "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER", "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_BASE",
            "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_NUMBER", "VONAGE_API_BASE",
            "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_API_BASE", "WHATSAPP_API_VERSION", "HERALD_WEBHOOK_ALLOW",
        ].map { ($0, "") })

        @Test(arguments: [
            ("herald-sms-twilio", [:], "TWILIO_ACCOUNT_SID"),
            ("herald-sms-twilio", ["TWILIO_ACCOUNT_SID": "AC1"], "TWILIO_AUTH_TOKEN"),
            ("herald-sms-twilio", ["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "s3cret-token"], "TWILIO_PHONE_NUMBER"),
            ("herald-sms-twilio", ["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "s3cret-token", "TWILIO_PHONE_NUMBER": "+15005550006",
                                   "TWILIO_API_BASE": "ftp://example.com"], "TWILIO_API_BASE"),
            ("herald-sms-vonage", [:], "VONAGE_API_KEY"),
            ("herald-sms-vonage", ["VONAGE_API_KEY": "k"], "VONAGE_API_SECRET"),
            ("herald-sms-vonage", ["VONAGE_API_KEY": "k", "VONAGE_API_SECRET": "s3cret-token"], "VONAGE_NUMBER"),
            ("herald-whatsapp", [:], "WHATSAPP_TOKEN"),
            ("herald-whatsapp", ["WHATSAPP_TOKEN": "s3cret-token"], "WHATSAPP_PHONE_NUMBER_ID"),
            ("herald-whatsapp", ["WHATSAPP_TOKEN": "s3cret-token", "WHATSAPP_PHONE_NUMBER_ID": "1"], "WHATSAPP_API_BASE"),
            ("herald-webhook", ["HERALD_WEBHOOK_ALLOW": "10.0.0.0/33"], "HERALD_WEBHOOK_ALLOW"),
        ])
        func refusesNamingTheVariable(program: String, environment: [String: String], variable: String) async throws {
            let result = try await ProviderChannel.refusal(program, environment: Self.blank.merging(environment) { $1 })
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains(variable), "\(result)")
            #expect(!result.stderr.contains("s3cret-token"), "a secret reached the message: \(result)")
        }

        /// The outbox takes the jobs meant for the provider it stands in for (an SMS that
        /// prefers Twilio reaches the Twilio program's outbox) and logs provider `outbox`.
        @Test(arguments: [
            ("herald-sms-twilio", ["--sms", "on", "--email", "off", "--sms-provider", "twilio"], "sms"),
            ("herald-sms-vonage", ["--sms", "on", "--email", "off", "--sms-provider", "vonage"], "sms"),
            ("herald-whatsapp", ["--whatsapp", "on", "--email", "off"], "whatsapp"),
        ])
        func outboxStandsInForMissingCredentials(program: String, settings: [String], channelName: String) async throws {
            let core = try await RunningCore.start()
            let outbox = core.directory.appendingPathComponent("outbox")
            let channel = try await ProviderChannel.start(
                program, core: core, environment: Self.blank, arguments: ["--outbox", outbox.path])
            let worker = try #require(try await core.channels().workers.first { $0.instance_id == channel.instance })
            #expect(worker.provider == "outbox")

            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow(["settings", "set", "salon"] + settings)
            _ = try await core.heraldOrThrow([
                "booking", "create", "salon", "--id", "b-1", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
                "--name", "Ada Lovelace", "--phone", "+4915112345678",
            ])
            let rows = try await waitForLog(core, tenant: "salon", "the \(channelName) confirmation to reach the outbox") { rows in
                rows.contains { $0.channel == channelName && $0.kind == "confirmation" && $0.outcome == "sent" }
            }
            let row = try #require(rows.first { $0.outcome == "sent" })
            #expect(row.provider == "outbox")
            let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".json") }
            #expect(files.contains { $0.contains(row.job_id) }, "\(files)")
            #expect(try await channel.stop() == 0)
            #expect(try await core.stop() == 0)
        }

        @Test(arguments: ["herald-sms-twilio", "herald-sms-vonage", "herald-whatsapp", "herald-webhook"])
        func helpListsTheVariables(program: String) async throws {
            let result = try await ProviderChannel.refusal(program, environment: [:], arguments: ["--help"])
            #expect(result.status == 0, "\(result)")
            let expected = [
                "herald-sms-twilio": ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER", "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_BASE"],
                "herald-sms-vonage": ["VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_NUMBER", "VONAGE_API_BASE"],
                "herald-whatsapp": ["WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_API_BASE", "WHATSAPP_API_VERSION"],
                "herald-webhook": ["HERALD_WEBHOOK_ALLOW"],
            ][program] ?? []
            for variable in expected + ["--outbox"] {
                #expect(result.stdout.contains(variable), "\(program) --help does not mention \(variable)")
            }
        }
    }
}
