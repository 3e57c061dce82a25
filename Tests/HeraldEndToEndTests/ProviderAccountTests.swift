import Foundation
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// Issue 18's provider accounts end to end: one `herald-sms-twilio` with an
    /// accounts file sends each tenant's SMS with that tenant's Twilio account and
    /// sender, takes each account's signed callbacks, refuses a bad file at start and
    /// takes a new account on SIGHUP; `provider_peer.py` knows both accounts.
    @Suite("Provider accounts end to end", .timeLimit(.minutes(5)))
    struct ProviderAccountTests {
        static let salonSID = "AC" + String(repeating: "a1", count: 16)
        static let salonToken = "salon-token-0b7e1d"
        static let clinicSID = "AC" + String(repeating: "c2", count: 16)
        static let clinicToken = "clinic-token-94f3aa"

        static func salonEntry() -> [String: Any] {
            ["name": "salon", "TWILIO_ACCOUNT_SID": salonSID, "TWILIO_AUTH_TOKEN": salonToken,
             "TWILIO_PHONE_NUMBER": "+15550000100"]
        }

        static func clinicEntry() -> [String: Any] {
            ["name": "clinic", "TWILIO_ACCOUNT_SID": clinicSID, "TWILIO_AUTH_TOKEN": clinicToken,
             "TWILIO_MESSAGING_SERVICE_SID": "MG00000000000000000000000000clinic", "rate_per_second": 5]
        }

        /// Writes the accounts file with mode `mode` (0600: only its owner reads it).
        static func writeAccounts(_ entries: [[String: Any]], to url: URL, mode: Int = 0o600) throws {
            let data = try JSONSerialization.data(withJSONObject: ["accounts": entries], options: [.sortedKeys])
            try data.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        }

        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let channel: ProviderChannel
            let accountsFile: URL
        }

        /// A core, the peer with both accounts, and herald-sms-twilio with `entries`
        /// (and no account of its own environment), taking callbacks.
        static func setUp(_ entries: [[String: Any]], peerArguments: [String] = []) async throws -> Setup {
            let core = try await RunningCore.start(arguments: ["--heartbeat-interval", "0.5"])
            let port = try freeTCPPort()
            let callbackURL = "http://127.0.0.1:\(port)"
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: ["--twilio-sid", salonSID, "--twilio-token", salonToken, "--twilio-account", "\(clinicSID):\(clinicToken)"]
                    + peerArguments)
            let accountsFile = core.directory.appendingPathComponent("twilio-accounts.json")
            try writeAccounts(entries, to: accountsFile)
            let channel = try await ProviderChannel.start(
                "herald-sms-twilio", core: core, environment: ["TWILIO_API_BASE": peer.baseURL],
                arguments: ["--accounts", accountsFile.path, "--callback-listen", "127.0.0.1:\(port)", "--callback-url", callbackURL])
            for tenant in ["salon", "clinic"] {
                try await core.createTenant(tenant)
                _ = try await core.heraldOrThrow(["settings", "set", tenant, "--email", "off", "--sms", "on", "--sms-provider", "twilio"])
            }
            return Setup(core: core, peer: peer, channel: channel, accountsFile: accountsFile)
        }

        static func accounts(_ core: RunningCore) async throws -> [[String: Any]] {
            let listed = try await core.heraldOrThrow(["account", "list", "--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]], "\(listed)")
        }

        static func waitForDelivered(_ core: RunningCore, tenant: String, booking: String) async throws -> LogRow {
            try await waitFor("\(booking) delivered", within: .seconds(60)) {
                try await core.log(tenant: tenant).first {
                    $0.booking_id == booking && $0.outcome == "sent" && $0.delivery_status == "delivered"
                }
            }
        }

        @Test func eachTenantSendsWithItsOwnAccountAndSender() async throws {
            let setup = try await Self.setUp([Self.salonEntry(), Self.clinicEntry()])
            let core = setup.core
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--sms-account", "salon"])
            _ = try await core.heraldOrThrow(["settings", "set", "clinic", "--sms-account", "clinic"])
            #expect(try await core.heraldOK("settings", "show", "clinic").contains("sms clinic"))

            // The core lists what the worker registered, and never a secret.
            let listed = try await core.heraldOrThrow(["account", "list"])
            #expect(!listed.contains(Self.salonToken) && !listed.contains(Self.clinicToken), "\(listed)")
            let accounts = try await Self.accounts(core)
            let clinic = try #require(accounts.first { $0["name"] as? String == "clinic" }, "\(accounts)")
            #expect(clinic["provider"] as? String == "twilio" && clinic["workers_here"] as? Int == 1, "\(clinic)")
            #expect(clinic["senders"] as? [String] == ["MG00000000000000000000000000clinic"], "\(clinic)")
            #expect(clinic["rate_per_second"] as? Double == 5, "\(clinic)")
            #expect(accounts.first { $0["name"] as? String == "salon" }?["senders"] as? [String] == ["+15550000100"], "\(accounts)")
            #expect(!accounts.contains { $0["name"] as? String == "default" }, "no account of its own environment: \(accounts)")

            // An account no worker registered is refused, naming the ones there are.
            let refused = try await core.herald("settings", "set", "salon", "--sms-account", "nope")
            #expect(refused.status != 0 && refused.stderr.contains("no sms worker has registered an account \"nope\""), "\(refused)")
            #expect(refused.stderr.contains("clinic, salon"), "\(refused)")
            let eventTypeRefused = try await core.herald("event-type", "create", "salon", "express", "--name", "Express", "--sms-account", "nope")
            #expect(eventTypeRefused.status != 0 && eventTypeRefused.stderr.contains("sms_account"), "\(eventTypeRefused)")
            // An event type may choose its own account: its bookings go out with it.
            _ = try await core.heraldOrThrow(["event-type", "create", "clinic", "vaccine", "--name", "Vaccination", "--sms-account", "salon"])
            #expect(try await core.heraldOK("event-type", "show", "clinic", "vaccine").contains("sms salon"))

            try await core.createPhoneBooking("salon", id: "b-salon", phone: "+4915100000033")
            try await core.createPhoneBooking("clinic", id: "b-clinic", phone: "+4915199990033")
            _ = try await core.heraldOrThrow([
                "booking", "create", "clinic", "--id", "b-vaccine", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
                "--phone", "+4915177770033", "--name", "Bo", "--event-type", "vaccine",
            ])
            // Each receipt came back to its account's callback URL, signed with its token.
            _ = try await Self.waitForDelivered(core, tenant: "salon", booking: "b-salon")
            _ = try await Self.waitForDelivered(core, tenant: "clinic", booking: "b-clinic")

            let requests = setup.peer.requests
            let salon = try #require(requests.first { $0.form["To"] == "+4915100000033" }, "\(requests)")
            #expect(salon.path == "/2010-04-01/Accounts/\(Self.salonSID)/Messages.json")
            #expect(salon.headers["authorization"] == "Basic " + Data("\(Self.salonSID):\(Self.salonToken)".utf8).base64EncodedString())
            #expect(salon.form["From"] == "+15550000100" && salon.form["MessagingServiceSid"] == nil, "\(salon.form)")
            #expect(salon.form["StatusCallback"]?.hasSuffix("/accounts/salon/status") == true, "\(salon.form)")
            let clinicRequest = try #require(requests.first { $0.form["To"] == "+4915199990033" }, "\(requests)")
            #expect(clinicRequest.path == "/2010-04-01/Accounts/\(Self.clinicSID)/Messages.json")
            #expect(clinicRequest.headers["authorization"] == "Basic " + Data("\(Self.clinicSID):\(Self.clinicToken)".utf8).base64EncodedString())
            #expect(clinicRequest.form["MessagingServiceSid"] == "MG00000000000000000000000000clinic" && clinicRequest.form["From"] == nil)
            #expect(clinicRequest.form["StatusCallback"]?.hasSuffix("/accounts/clinic/status") == true, "\(clinicRequest.form)")
            _ = try await Self.waitForDelivered(core, tenant: "clinic", booking: "b-vaccine")
            let vaccine = try #require(setup.peer.requests.first { $0.form["To"] == "+4915177770033" })
            #expect(vaccine.path == "/2010-04-01/Accounts/\(Self.salonSID)/Messages.json", "the event type's account: \(vaccine.path)")
            #expect(requests.allSatisfy { $0.status == 201 }, "\(requests.map(\.status))")

            #expect(try await setup.channel.stop() == 0)
            let log = setup.channel.process.stderr
            #expect(!log.contains(Self.salonToken) && !log.contains(Self.clinicToken), "a token reached the channel's log")
            #expect(try await core.stop() == 0)
        }

        /// An account may sign in with an API key of its Twilio account instead of its auth
        /// token. Twilio signs callbacks with the token, so with callbacks the token stays required.
        @Test func anAccountSignsInWithItsAPIKey() async throws {
            let keySID = "SK" + String(repeating: "5e", count: 16), keySecret = "clinic-key-secret-77"
            var keyed = Self.clinicEntry()
            keyed["TWILIO_API_KEY_SID"] = keySID
            keyed["TWILIO_API_KEY_SECRET"] = keySecret
            var tokenless = keyed
            tokenless.removeValue(forKey: "TWILIO_AUTH_TOKEN")
            let directory = try makeTemporaryDirectory(prefix: "herald-e2e")
            let file = directory.appendingPathComponent("accounts.json")
            try Self.writeAccounts([tokenless], to: file)
            let refused = try await ProviderChannel.refusal(
                "herald-sms-twilio", environment: [:],
                arguments: ["--accounts", file.path, "--callback-url", "https://herald.example/twilio", "--callback-listen", "127.0.0.1:0"])
            #expect(refused.status == 78 && refused.stderr.contains("TWILIO_AUTH_TOKEN"), "\(refused)")
            var halfKey = keyed
            halfKey.removeValue(forKey: "TWILIO_API_KEY_SECRET")
            try Self.writeAccounts([halfKey], to: file)
            let half = try await ProviderChannel.refusal("herald-sms-twilio", environment: [:], arguments: ["--accounts", file.path])
            #expect(half.status == 78 && half.stderr.contains("TWILIO_API_KEY_SECRET is not set"), "\(half)")

            let setup = try await Self.setUp(
                [Self.salonEntry(), keyed], peerArguments: ["--twilio-api-key", "\(Self.clinicSID):\(keySID):\(keySecret)"])
            _ = try await setup.core.heraldOrThrow(["settings", "set", "clinic", "--sms-account", "clinic"])
            try await setup.core.createPhoneBooking("clinic", id: "b-key", phone: "+4915199990044")
            _ = try await Self.waitForDelivered(setup.core, tenant: "clinic", booking: "b-key")
            let request = try #require(setup.peer.requests.first { $0.form["To"] == "+4915199990044" })
            #expect(request.path == "/2010-04-01/Accounts/\(Self.clinicSID)/Messages.json")
            #expect(request.headers["authorization"] == "Basic " + Data("\(keySID):\(keySecret)".utf8).base64EncodedString())
            #expect(try await setup.channel.stop() == 0)
            #expect(!setup.channel.process.stderr.contains(keySecret), "the key's secret reached the channel's log")
            #expect(try await setup.core.stop() == 0)
        }

        @Test func aBadAccountsFileIsRefusedAtStartNamingTheEntry() async throws {
            try await withTemporaryDirectory(prefix: "herald-accounts") { directory in
                let file = directory.appendingPathComponent("accounts.json")
                var broken = Self.clinicEntry()
                broken.removeValue(forKey: "TWILIO_AUTH_TOKEN")
                try Self.writeAccounts([Self.salonEntry(), broken], to: file)
                let missing = try await ProviderChannel.refusal(
                    "herald-sms-twilio", environment: ["TWILIO_API_BASE": "http://127.0.0.1:1"], arguments: ["--accounts", file.path])
                #expect(missing.status == 78, "\(missing)")
                #expect(missing.stderr.contains("account \"clinic\"") && missing.stderr.contains("TWILIO_AUTH_TOKEN"), "\(missing)")

                try Self.writeAccounts([Self.salonEntry()], to: file, mode: 0o644)
                let readable = try await ProviderChannel.refusal(
                    "herald-sms-twilio", environment: ["TWILIO_API_BASE": "http://127.0.0.1:1"], arguments: ["--accounts", file.path])
                #expect(readable.status == 78 && readable.stderr.contains("others may read it"), "\(readable)")
                #expect(!readable.stderr.contains(Self.salonToken))

                try Data("{\"accounts\": [{\"name\": \"salon\", \"TWILIO_ACCOUNT_SID\": 42}]}".utf8).write(to: file)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
                let notText = try await ProviderChannel.refusal(
                    "herald-sms-twilio", environment: [:], arguments: ["--accounts", file.path])
                #expect(notText.status == 78 && notText.stderr.contains("TWILIO_ACCOUNT_SID must be a string"), "\(notText)")
            }
        }

        /// Jobs of an account no worker has wait, visibly; SIGHUP adds the account and
        /// they go out with it. A reread file with a bad entry changes nothing.
        @Test func sighupAddsAnAccountAndItsWaitingJobsGo() async throws {
            let setup = try await Self.setUp([Self.salonEntry(), Self.clinicEntry()])
            let core = setup.core
            _ = try await core.heraldOrThrow(["settings", "set", "clinic", "--sms-account", "clinic"])
            // The worker drops the clinic account: its jobs wait.
            try Self.writeAccounts([Self.salonEntry()], to: setup.accountsFile)
            setup.channel.process.signal(SIGHUP)
            try await eventually("the worker to drop clinic", within: .seconds(30)) {
                try await Self.accounts(core).first { $0["name"] as? String == "clinic" }?["workers_here"] as? Int == 0
            }
            try await core.createPhoneBooking("clinic", id: "b-wait", phone: "+4915199990033")
            try await eventually("the clinic job waiting in the queue", within: .seconds(30)) {
                try await Self.accounts(core).first { $0["name"] as? String == "clinic" }?["due_now"] as? Int == 1
            }
            #expect(setup.peer.requests.isEmpty)
            // `herald channels` shows the queue per account, and which one waits for a worker.
            let channels = try await core.heraldOrThrow(["channels"])
            let clinicRow = channels.split(separator: "\n").first { $0.hasPrefix("sms") && $0.contains(" clinic ") }
            #expect(clinicRow?.contains("none: jobs wait") == true, "\(channels)")
            #expect(clinicRow.map { $0.split(separator: " ", omittingEmptySubsequences: true)[2] } == "1", "\(channels)")
            let channelsJSON = try JSONSerialization.jsonObject(with: Data(try await core.heraldOrThrow(["channels", "--json"]).utf8))
            let worker = try #require(((channelsJSON as? [String: Any])?["workers"] as? [[String: Any]])?.first, "\(channelsJSON)")
            #expect(worker["accounts"] as? [String] == ["salon"], "\(worker)")

            // A bad file is refused and the accounts stay.
            var broken = Self.clinicEntry()
            broken["TWILIO_ACCOUNT_SID"] = ""
            try Self.writeAccounts([Self.salonEntry(), broken], to: setup.accountsFile)
            setup.channel.process.signal(SIGHUP)
            try await eventually("the refusal in the channel's log", within: .seconds(30)) {
                setup.channel.process.stderr.contains("provider accounts NOT reloaded")
            }

            try Self.writeAccounts([Self.salonEntry(), Self.clinicEntry()], to: setup.accountsFile)
            setup.channel.process.signal(SIGHUP)
            _ = try await Self.waitForDelivered(core, tenant: "clinic", booking: "b-wait")
            let request = try #require(setup.peer.requests.first, "\(setup.peer.requests)")
            #expect(request.path == "/2010-04-01/Accounts/\(Self.clinicSID)/Messages.json", "\(request.path)")
            #expect(try await setup.channel.stop() == 0)
            #expect(try await core.stop() == 0)
        }
    }
}
