import Foundation
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// Provider credentials, webhook secrets, chat-webhook URL tokens and API keys
    /// never show up in what the programs print: not in logs at trace level, not
    /// in errors, not in CLI output (`--json` or not), except the one answer that
    /// hands a new secret out.
    ///
    /// The real core, every channel program and the gateway run with distinctive
    /// fake credentials against local peers that fail in the ways that tend to
    /// quote what was sent: 401 from Twilio, 500 and a refusal from Vonage, a
    /// refused connection for WhatsApp, an SMTP AUTH failure, 500 from a webhook
    /// subscriber and from a chat webhook. Then every captured stream is searched
    /// for each secret, as is and in the encodings it travels in (Basic auth,
    /// SMTP AUTH PLAIN, URL and form percent-encoding).
    @Suite("Secrets stay out of logs and output", .timeLimit(.minutes(5)))
    struct SecretLeakTests {
        static let twilioSID = "AC0123456789abcdef0123456789abcdef"
        static let twilioToken = "TWtok_Zq8+Xv/41LeakCheck"
        static let vonageKey = "vonage-key-1"
        static let vonageSecret = "VNsec_Kp3+Rw/77LeakCheck"
        static let whatsappToken = "WAtok_Lm2+Qs/58LeakCheck"
        static let smtpPassword = "SMpw_Hn5+Yt/93LeakCheck"
        static let chatToken = "CHtok_Pw4Jx93KdLeakCheck"

        @Test func noSecretInAnyLogErrorOrCLIOutput() async throws {
            let core = try await RunningCore.start(arguments: ["--log-level", "trace"])
            let providers = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    // Twilio knows another token (401); Vonage knows this secret (500, status 2).
                    "--twilio-sid", Self.twilioSID, "--twilio-token", "the-right-token", "--vonage-key", Self.vonageKey,
                    "--vonage-secret", Self.vonageSecret,
                ])
            let hooks = try await RunningPeer.start(
                "webhook_peer.py", directory: core.directory, arguments: ["--secret-file", "/nonexistent"])
            let smtp = try await SMTPPeer.start(in: core.directory, user: "herald", password: "the right password")
            let closedPort = try freeTCPPort()

            var outputs: [(name: String, text: String)] = []
            func herald(_ arguments: [String]) async throws -> CommandResult {
                try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint, "HERALD_EVENTS": core.eventsEndpoint])
            }
            func cli(_ arguments: String...) async throws -> String {
                let result = try await herald(arguments)
                #expect(result.status == 0, "herald \(arguments): \(result)")
                outputs.append(("herald \(arguments.joined(separator: " "))", result.stdout + result.stderr))
                return result.stdout
            }

            // Tenant "tw": e-mail, SMS by Twilio, WhatsApp, a webhook and a team chat.
            _ = try await cli("tenant", "create", "tw", "--name", "TW")
            _ = try await cli("settings", "set", "tw", "--sms", "on", "--sms-provider", "twilio", "--whatsapp", "on")
            // The one output allowed to show the webhook secret: not searched.
            let added = try await core.heraldOrThrow([
                "webhook", "add", "tw", "--url", "\(hooks.baseURL)/hook/500", "--events", "booking.created", "--json",
            ])
            let webhook = try #require(try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])
            let webhookSecret = try #require(webhook["secret"] as? String)
            #expect(webhookSecret.hasPrefix("whsec_"))
            let chatURL = "\(hooks.baseURL)/hook/\(Self.chatToken)/500"
            _ = try await cli("team", "add", "tw", "--channel", "chat", "--to", chatURL)
            // Tenant "vo": SMS by Vonage only.
            _ = try await cli("tenant", "create", "vo", "--name", "VO")
            _ = try await cli("settings", "set", "vo", "--email", "off", "--sms", "on", "--sms-provider", "vonage")
            // The API key is printed once, on creation: not searched either.
            let keyAnswer = try await core.heraldOrThrow(["apikey", "create", "tw", "--name", "site", "--json"])
            let apiKey = try #require((try JSONSerialization.jsonObject(with: Data(keyAnswer.utf8)) as? [String: Any])?["key"] as? String)

            let trace = ["--log-level", "trace"]
            let allow = "127.0.0.1"
            let channels = [
                try await ProviderChannel.start("herald-sms-twilio", core: core, environment: [
                    "TWILIO_ACCOUNT_SID": Self.twilioSID, "TWILIO_AUTH_TOKEN": Self.twilioToken,
                    "TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_MESSAGING_SERVICE_SID": "", "TWILIO_API_BASE": providers.baseURL,
                ], arguments: trace),
                try await ProviderChannel.start("herald-sms-vonage", core: core, environment: [
                    "VONAGE_API_KEY": Self.vonageKey, "VONAGE_API_SECRET": Self.vonageSecret, "VONAGE_NUMBER": "+4930123456",
                    "VONAGE_API_BASE": providers.baseURL,
                ], arguments: trace),
                try await ProviderChannel.start("herald-whatsapp", core: core, environment: [
                    "WHATSAPP_TOKEN": Self.whatsappToken, "WHATSAPP_PHONE_NUMBER_ID": "1234",
                    "WHATSAPP_API_BASE": "http://127.0.0.1:\(closedPort)",
                ], arguments: trace),
                try await ProviderChannel.start("herald-email-smtp", core: core, environment: [
                    "SMTP_URL": smtp.url.replacingOccurrences(
                        of: "://", with: "://herald:\(Self.percentEncoded(Self.smtpPassword))@"),
                    "SMTP_FROM": "reminders@herald.example", "SMTP_CA_FILE": smtp.certificate.path,
                ], arguments: trace),
                try await ProviderChannel.start("herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": allow], arguments: trace),
                try await ProviderChannel.start("herald-chat", core: core, environment: ["HERALD_CHAT_ALLOW": allow], arguments: trace),
            ]
            let gateway = try await RunningGateway.start(core: core, arguments: trace)

            let start = iso8601(Date().addingTimeInterval(3 * 86400))
            _ = try await cli("booking", "create", "tw", "--id", "b-tw", "--start", start,
                              "--name", "Ada", "--email", "ada@example.com", "--phone", "+4915112340001")
            _ = try await cli("booking", "create", "vo", "--id", "b-vo500", "--start", start, "--phone", "+4915112340500")
            _ = try await cli("booking", "create", "vo", "--id", "b-vo2", "--start", start, "--phone", "+4915112340002")
            // Every channel has tried and had its answer recorded (a final outcome or a last error).
            let expected = [
                ("b-tw", "email"), ("b-tw", "sms"), ("b-tw", "whatsapp"), ("b-tw", "webhook"), ("b-tw", "chat"),
                ("b-vo500", "sms"), ("b-vo2", "sms"),
            ]
            try await eventually("every channel to report an answer", within: .seconds(90)) {
                for (booking, channel) in expected {
                    let jobs = try await core.schedule(booking).notifications.filter { $0.channel == channel }
                    guard jobs.contains(where: { $0.status == "failed" || !$0.last_error.isEmpty }) else { return false }
                }
                return true
            }
            // The gateway: one good call and one with a wrong key.
            #expect(try await gateway.request("GET", "/api/tenants/tw/bookings", key: apiKey).status == 200)
            #expect(try await gateway.request("GET", "/api/tenants/tw/bookings", key: apiKey + "x").status == 401)

            // What an admin looks at, plain and as JSON.
            for json in [[], ["--json"]] {
                for command in [
                    ["webhook", "list", "tw"], ["team", "list", "tw"], ["apikey", "list", "--all"], ["settings", "show", "tw"],
                    ["log", "--limit", "100"], ["schedule", "b-tw"], ["schedule", "b-vo500"], ["channels"], ["events", "tw"],
                    ["booking", "show", "b-tw"], ["stats"], ["ping"],
                ] {
                    let result = try await herald(command + json)
                    outputs.append(("herald \((command + json).joined(separator: " "))", result.stdout + result.stderr))
                }
            }
            let testPing = try await herald(["webhook", "test", try #require(webhook["id"] as? String)])
            outputs.append(("herald webhook test", testPing.stdout + testPing.stderr))

            for channel in channels {
                _ = try await channel.stop()
                outputs.append((channel.instance, channel.process.stdout + channel.process.stderr))
            }
            _ = try await gateway.stop()
            outputs.append(("herald-gateway", gateway.process.stdout + gateway.process.stderr))
            _ = try await core.stop()
            outputs.append(("heraldd", core.process.stdout + core.process.stderr))

            // The peers did receive them (so the search looks for the right strings).
            #expect(providers.requests.contains { $0.headers["authorization"] == Self.basic(Self.twilioSID, Self.twilioToken) })
            #expect(providers.requests.contains { $0.form["api_secret"] == Self.vonageSecret })
            #expect(hooks.requests.contains { $0.path.contains(Self.chatToken) })

            let secrets: [(String, String)] = [
                ("TWILIO_AUTH_TOKEN", Self.twilioToken), ("VONAGE_API_SECRET", Self.vonageSecret),
                ("WHATSAPP_TOKEN", Self.whatsappToken), ("SMTP_URL password", Self.smtpPassword),
                ("webhook secret", webhookSecret), ("webhook secret key", String(webhookSecret.dropFirst("whsec_".count))),
                ("chat URL token", Self.chatToken), ("API key", apiKey),
            ]
            var forms: [(String, String)] = []
            for (name, secret) in secrets {
                forms.append((name, secret))
                let encoded = Self.percentEncoded(secret)
                if encoded != secret { forms.append((name + " percent-encoded", encoded)) }
                forms.append((name + " base64", Data(secret.utf8).base64EncodedString()))
            }
            forms += [
                ("Twilio Basic auth", String(Self.basic(Self.twilioSID, Self.twilioToken).dropFirst("Basic ".count))),
                ("SMTP AUTH PLAIN", Data("\u{0}herald\u{0}\(Self.smtpPassword)".utf8).base64EncodedString()),
                ("SMTP AUTH LOGIN", Data(Self.smtpPassword.utf8).base64EncodedString()),
            ]
            #expect(outputs.count > 30)
            for (output, text) in outputs {
                for (name, form) in forms where text.contains(form) {
                    let line = text.split(separator: "\n").first { $0.contains(form) } ?? ""
                    Issue.record("\(name) appears in the output of \(output): \(line)")
                }
            }
        }

        /// A crash report (Swift's backtracer: threads, frames, registers, images)
        /// says where the program was, never what it held.
        @Test func aCrashReportShowsNoCredential() async throws {
            let core = try await RunningCore.start()
            let channel = try await ProviderChannel.start(
                "herald-sms-twilio", core: core,
                environment: [
                    "TWILIO_ACCOUNT_SID": Self.twilioSID, "TWILIO_AUTH_TOKEN": Self.twilioToken,
                    "TWILIO_PHONE_NUMBER": "+15005550006", "SWIFT_BACKTRACE": "enable=yes,interactive=no",
                ])
            channel.process.signal(SIGSEGV)
            try await eventually("the crash report to end") { channel.process.stderr.contains("Backtrace took") }
            channel.process.signal(SIGKILL)
            _ = try await channel.process.waitForExit()
            let report = channel.process.stderr
            #expect(report.contains("Program crashed"), "\(report.suffix(2000))")
            let forms = [
                Self.twilioToken, Self.percentEncoded(Self.twilioToken), Data(Self.twilioToken.utf8).base64EncodedString(),
                String(Self.basic(Self.twilioSID, Self.twilioToken).dropFirst("Basic ".count)),
            ]
            for form in forms { #expect(!report.contains(form), "the crash report holds \(form)") }
        }

        static func basic(_ user: String, _ password: String) -> String {
            "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }

        static func percentEncoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
    }
}
