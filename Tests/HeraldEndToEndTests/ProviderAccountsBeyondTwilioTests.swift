import Foundation
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// Issue 18 beyond Twilio: a tenant on its own Vonage key and one on its own WhatsApp
    /// number, beside a tenant on each program's default account, against
    /// `provider_peer.py` knowing every account; and WhatsApp's gap per recipient.
    @Suite("Provider accounts on Vonage and WhatsApp end to end", .timeLimit(.minutes(5)))
    struct ProviderAccountsBeyondTwilioTests {
        /// herald-sms-vonage with the peer's default key as its environment's account and
        /// the named accounts of `accounts`.
        static func startVonage(_ core: RunningCore, _ peer: RunningPeer, accounts: URL) async throws -> ProviderChannel {
            try await ProviderChannel.start(
                "herald-sms-vonage", core: core,
                environment: [
                    "VONAGE_API_KEY": "vonage-default", "VONAGE_API_SECRET": "vonage-default-secret", "VONAGE_NUMBER": "Herald",
                    "VONAGE_API_BASE": peer.baseURL,
                ],
                arguments: ["--accounts", accounts.path])
        }

        @Test func eachTenantSendsWithItsOwnVonageKeyOrWhatsAppNumber() async throws {
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    "--vonage-key", "vonage-default", "--vonage-secret", "vonage-default-secret",
                    "--vonage-account", "vonage-salon:vonage-salon-secret",
                    "--whatsapp-token", "wa-default-token", "--whatsapp-phone-id", "1000000001",
                    "--whatsapp-account", "2000000002:wa-clinic-token",
                ])
            let vonageFile = core.directory.appendingPathComponent("vonage-accounts.json")
            try ProviderAccountTests.writeAccounts([[
                "name": "salon", "VONAGE_API_KEY": "vonage-salon", "VONAGE_API_SECRET": "vonage-salon-secret",
                "VONAGE_NUMBER": "SalonSMS",
            ], [
                // A US long number: Vonage takes 1 message a second from it.
                "name": "us", "VONAGE_API_KEY": "vonage-salon", "VONAGE_API_SECRET": "vonage-salon-secret",
                "VONAGE_NUMBER": "+14155550100",
            ]], to: vonageFile)
            let whatsappFile = core.directory.appendingPathComponent("whatsapp-accounts.json")
            try ProviderAccountTests.writeAccounts([[
                "name": "clinic", "WHATSAPP_TOKEN": "wa-clinic-token", "WHATSAPP_PHONE_NUMBER_ID": "2000000002",
            ]], to: whatsappFile)
            let vonage = try await Self.startVonage(core, peer, accounts: vonageFile)
            let whatsapp = try await ProviderChannel.start(
                "herald-whatsapp", core: core,
                environment: [
                    "WHATSAPP_TOKEN": "wa-default-token", "WHATSAPP_PHONE_NUMBER_ID": "1000000001",
                    "WHATSAPP_API_BASE": peer.baseURL, "WHATSAPP_API_VERSION": "",
                ],
                arguments: ["--accounts", whatsappFile.path])
            for tenant in ["salon", "shop"] {
                try await core.createTenant(tenant)
                _ = try await core.heraldOrThrow(["settings", "set", tenant, "--email", "off", "--sms", "on", "--sms-provider", "vonage"])
            }
            for tenant in ["clinic", "spa"] {
                try await core.createTenant(tenant)
                _ = try await core.heraldOrThrow(["settings", "set", tenant, "--email", "off", "--whatsapp", "on"])
            }
            _ = try await core.heraldOrThrow(["settings", "set", "salon", "--sms-account", "salon"])
            _ = try await core.heraldOrThrow(["settings", "set", "clinic", "--whatsapp-account", "clinic"])
            // The WhatsApp account is the SMS program's unknown: refused, naming the known ones.
            let refused = try await core.herald("settings", "set", "shop", "--sms-account", "clinic")
            #expect(refused.status != 0 && refused.stderr.contains("no sms worker has registered an account \"clinic\" (known: default, salon, us)"),
                    "\(refused)")

            try await core.createPhoneBooking("salon", id: "b-salon", phone: "+4915100000011")
            try await core.createPhoneBooking("shop", id: "b-shop", phone: "+4915100000012")
            try await core.createPhoneBooking("clinic", id: "b-clinic", phone: "+4915100000013")
            try await core.createPhoneBooking("spa", id: "b-spa", phone: "+4915100000014")
            for (tenant, booking, channel) in [("salon", "b-salon", "sms"), ("shop", "b-shop", "sms"),
                                               ("clinic", "b-clinic", "whatsapp"), ("spa", "b-spa", "whatsapp")] {
                let row = try await core.waitForOutcome(tenant: tenant, booking: booking, channel: channel)
                #expect(row.outcome == "sent", "\(row)")
            }
            let requests = peer.requests
            #expect(requests.allSatisfy { $0.status == 200 || $0.status == 201 }, "\(requests)")
            func vonageRequest(to phone: String) -> PeerRequest? {
                requests.first { $0.path == "/sms/json" && $0.form["to"] == phone }
            }
            func whatsappRequest(to phone: String) -> PeerRequest? {
                requests.first { $0.path.hasSuffix("/messages") && ($0.json?["to"] as? String) == phone }
            }
            let salon = try #require(vonageRequest(to: "4915100000011"), "\(requests)")
            #expect(salon.form["api_key"] == "vonage-salon" && salon.form["api_secret"] == "vonage-salon-secret")
            #expect(salon.form["from"] == "SalonSMS")
            let shop = try #require(vonageRequest(to: "4915100000012"), "\(requests)")
            #expect(shop.form["api_key"] == "vonage-default" && shop.form["from"] == "Herald")
            let clinic = try #require(whatsappRequest(to: "4915100000013"), "\(requests)")
            #expect(clinic.path == "/v21.0/2000000002/messages")
            #expect(clinic.headers["authorization"] == "Bearer wa-clinic-token")
            let spa = try #require(whatsappRequest(to: "4915100000014"), "\(requests)")
            #expect(spa.path == "/v21.0/1000000001/messages")
            #expect(spa.headers["authorization"] == "Bearer wa-default-token")

            // `herald account list` shows each program's accounts, their senders and
            // limits (Vonage 30/s; WhatsApp 80/s), never a secret.
            let listed = try await core.heraldOrThrow(["account", "list", "--json"])
            let accounts = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
            let salonAccount = accounts.first { $0["channel"] as? String == "sms" && $0["name"] as? String == "salon" }
            #expect(salonAccount?["senders"] as? [String] == ["SalonSMS"], "\(listed)")
            #expect(salonAccount?["rate_per_second"] as? Double == 30, "\(listed)")
            let usAccount = accounts.first { $0["channel"] as? String == "sms" && $0["name"] as? String == "us" }
            #expect(usAccount?["senders"] as? [String] == ["14155550100"] && usAccount?["rate_per_second"] as? Double == 1, "\(listed)")
            let clinicAccount = accounts.first { $0["channel"] as? String == "whatsapp" && $0["name"] as? String == "clinic" }
            #expect(clinicAccount?["rate_per_second"] as? Double == 80, "\(listed)")
            for secret in ["vonage-salon-secret", "vonage-default-secret", "wa-clinic-token", "wa-default-token"] {
                #expect(!listed.contains(secret))
            }
            #expect(try await vonage.stop() == 0)
            #expect(try await whatsapp.stop() == 0)
            #expect(try await core.stop() == 0)
        }

        /// SMS failover with accounts on both providers: the tenant's account, named alike in
        /// the Twilio and the Vonage program, carries its text to Vonage with the tenant's
        /// own Vonage key and sender when Twilio keeps failing.
        @Test func failoverToVonageKeepsTheTenantsAccount() async throws {
            typealias A = ProviderAccountTests
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    "--twilio-sid", A.clinicSID, "--twilio-token", A.clinicToken, "--twilio-account", "\(A.salonSID):\(A.salonToken)",
                    "--vonage-key", "vonage-default", "--vonage-secret", "vonage-default-secret",
                    "--vonage-account", "vonage-salon:vonage-salon-secret",
                ])
            let twilioFile = core.directory.appendingPathComponent("twilio-accounts.json")
            try A.writeAccounts([A.salonEntry()], to: twilioFile)
            let vonageFile = core.directory.appendingPathComponent("vonage-accounts.json")
            try A.writeAccounts([[
                "name": "salon", "VONAGE_API_KEY": "vonage-salon", "VONAGE_API_SECRET": "vonage-salon-secret",
                "VONAGE_NUMBER": "SalonSMS",
            ]], to: vonageFile)
            let twilio = try await ProviderChannel.start(
                "herald-sms-twilio", core: core,
                environment: [
                    "TWILIO_ACCOUNT_SID": A.clinicSID, "TWILIO_AUTH_TOKEN": A.clinicToken, "TWILIO_PHONE_NUMBER": "+15550000999",
                    "TWILIO_API_BASE": peer.baseURL,
                ],
                arguments: ["--accounts", twilioFile.path])
            let vonage = try await Self.startVonage(core, peer, accounts: vonageFile)
            try await core.createTenant("salon")
            _ = try await core.heraldOrThrow([
                "settings", "set", "salon", "--email", "off", "--sms", "on", "--sms-provider", "twilio", "--sms-failover", "on",
                "--sms-account", "salon",
            ])
            // Twilio answers 503 to this number every time: RETRY twice, then Vonage (from a
            // RETRY of attempt 2 on).
            try await core.createPhoneBooking("salon", id: "b-failover", phone: "+4915100000503")
            let row = try await core.waitForOutcome(tenant: "salon", booking: "b-failover", channel: "sms")
            #expect(row.outcome == "sent" && row.provider == "vonage", "\(row)")
            let requests = peer.requests
            let tried = try #require(requests.first { $0.path.contains("/Accounts/") }, "\(requests)")
            #expect(tried.path == "/2010-04-01/Accounts/\(A.salonSID)/Messages.json" && tried.status == 503, "\(tried)")
            let sent = try #require(requests.first { $0.path == "/sms/json" }, "\(requests)")
            #expect(sent.form["api_key"] == "vonage-salon" && sent.form["from"] == "SalonSMS", "\(sent.form)")
            #expect(requests.filter { $0.path == "/sms/json" }.count == 1)
            #expect(try await twilio.stop() == 0)
            #expect(try await vonage.stop() == 0)
            #expect(try await core.stop() == 0)
        }

        /// WhatsApp takes about one message every 6 s from a number to one customer: a
        /// customer's second booking made at once waits its gap, another customer's does not.
        @Test func aWhatsAppCustomerGetsTheirMessagesSixSecondsApart() async throws {
            let core = try await RunningCore.start()
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: ["--whatsapp-token", "wa-token", "--whatsapp-phone-id", "1000000001"])
            let whatsapp = try await ProviderChannel.start(
                "herald-whatsapp", core: core,
                environment: [
                    "WHATSAPP_TOKEN": "wa-token", "WHATSAPP_PHONE_NUMBER_ID": "1000000001",
                    "WHATSAPP_API_BASE": peer.baseURL, "WHATSAPP_API_VERSION": "",
                ])
            try await core.createTenant("spa")
            _ = try await core.heraldOrThrow(["settings", "set", "spa", "--email", "off", "--whatsapp", "on"])
            try await core.createPhoneBooking("spa", id: "b-1", phone: "+4915100000021")
            try await core.createPhoneBooking("spa", id: "b-2", phone: "+4915100000021")
            try await core.createPhoneBooking("spa", id: "b-3", phone: "+4915100000022")
            try await eventually("three messages at the peer", within: .seconds(60)) { peer.requests.count >= 3 }
            let requests = peer.requests
            #expect(requests.count == 3 && requests.allSatisfy { $0.status == 200 }, "\(requests)")
            let ada = requests.filter { ($0.json?["to"] as? String) == "4915100000021" }.map(\.time)
            let bob = try #require(requests.first { ($0.json?["to"] as? String) == "4915100000022" }).time
            #expect(ada.count == 2)
            #expect(ada.count == 2 && ada[1] - ada[0] >= 5.9, "the same customer \(ada[1] - ada[0]) s apart")
            #expect(bob < ada[1], "another customer waited behind the gap")
            #expect(try await whatsapp.stop() == 0)
            #expect(try await core.stop() == 0)
        }
    }
}
