import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

extension ChannelEndToEnd {
    /// Delivery receipts end to end: a real `heraldd`, the real channel program with
    /// its callback listener, and `Tests/Peers/provider_peer.py` calling back as
    /// Twilio, Vonage and the WhatsApp Cloud API do, signed as they sign.
    @Suite("Delivery receipts end to end", .timeLimit(.minutes(5)))
    struct ReceiptTests {
        static let twilioSID = "AC0123456789abcdef0123456789abcdef"
        static let twilioToken = "twilio-token-receipts"
        static let vonageKey = "vonage-key-receipts"
        static let vonageSecret = "vonage-secret-receipts"
        static let vonageSignatureSecret = "vonage-signature-secret"
        static let whatsappToken = "whatsapp-token-receipts"
        static let whatsappPhoneID = "106540352242922"
        static let appSecret = "meta-app-secret"
        static let verifyToken = "meta-verify-token"

        struct Setup {
            let core: RunningCore
            let peer: RunningPeer
            let channel: ProviderChannel
            /// The listener's URL (also the public one: no proxy here).
            let callbackURL: String
        }

        /// A core, the peer and `provider`'s channel taking callbacks, with tenant
        /// "salon" sending through it only.
        static func setUp(
            _ provider: String, peerArguments: [String] = [], environment: [String: String] = [:]
        ) async throws -> Setup {
            let core = try await RunningCore.start(arguments: ["--heartbeat-interval", "0.5"])
            let port = try freeTCPPort()
            let callbackURL = "http://127.0.0.1:\(port)"
            let peer = try await RunningPeer.start(
                "provider_peer.py", directory: core.directory,
                arguments: [
                    "--twilio-sid", twilioSID, "--twilio-token", twilioToken, "--vonage-key", vonageKey,
                    "--vonage-secret", vonageSecret, "--vonage-signature-secret", vonageSignatureSecret,
                    "--whatsapp-token", whatsappToken, "--whatsapp-phone-id", whatsappPhoneID,
                    "--whatsapp-app-secret", appSecret, "--whatsapp-webhook-url", callbackURL + "/webhook",
                    "--twilio-inbound-url", callbackURL + "/inbound", "--vonage-inbound-url", callbackURL + "/inbound",
                ] + peerArguments)
            let (program, base): (String, [String: String]) =
                switch provider {
                case "twilio":
                    ("herald-sms-twilio", [
                        "TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken,
                        "TWILIO_PHONE_NUMBER": "+15005550006", "TWILIO_MESSAGING_SERVICE_SID": "",
                        "TWILIO_API_BASE": peer.baseURL,
                    ])
                case "vonage":
                    ("herald-sms-vonage", [
                        "VONAGE_API_KEY": vonageKey, "VONAGE_API_SECRET": vonageSecret, "VONAGE_NUMBER": "+4930123456",
                        "VONAGE_API_BASE": peer.baseURL, "VONAGE_SIGNATURE_SECRET": vonageSignatureSecret,
                        "VONAGE_SIGNATURE_METHOD": "",
                    ])
                default:
                    ("herald-whatsapp", [
                        "WHATSAPP_TOKEN": whatsappToken, "WHATSAPP_PHONE_NUMBER_ID": whatsappPhoneID,
                        "WHATSAPP_API_BASE": peer.baseURL, "WHATSAPP_API_VERSION": "",
                        "WHATSAPP_APP_SECRET": appSecret, "WHATSAPP_VERIFY_TOKEN": verifyToken,
                    ])
                }
            let channel = try await ProviderChannel.start(
                program, core: core, environment: base.merging(environment) { $1 },
                arguments: ["--callback-listen", "127.0.0.1:\(port)", "--callback-url", callbackURL])
            try await eventually("\(program) to take callbacks:\n\(channel.process.stderr)", within: .seconds(30)) {
                channel.process.stderr.contains("taking provider callbacks")
            }
            try await core.createTenant("salon")
            let settings = provider == "whatsapp"
                ? ["settings", "set", "salon", "--email", "off", "--whatsapp", "on"]
                : ["settings", "set", "salon", "--email", "off", "--sms", "on", "--sms-provider", provider]
            _ = try await core.heraldOrThrow(settings)
            return Setup(core: core, peer: peer, channel: channel, callbackURL: callbackURL)
        }

        /// Waits until the booking's sent row on `channel` has `status`.
        static func waitForDelivery(
            _ setup: Setup, booking: String, channel: String = "sms", status: String
        ) async throws -> LogRow {
            var last: LogRow?
            return try await waitFor("delivery status \(status) for \(booking); last row: \(last.map(String.init(describing:)) ?? "none")", within: .seconds(60)) {
                last = try await setup.core.log(tenant: "salon").first {
                    $0.booking_id == booking && $0.channel == channel && $0.outcome == "sent"
                }
                return last?.delivery_status == status ? last : nil
            }
        }

        /// The callbacks the peer made, as it recorded them.
        static func callbacks(_ peer: RunningPeer) -> [[String: Any]] {
            guard let text = try? String(contentsOf: peer.recordFile, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }.filter { $0["kind"] as? String == "callback" }
        }

        /// Asks the peer to send a receipt (or, `forged`, one signed wrongly or not at all)
        /// and returns what the listener answered.
        static func peerCallback(_ peer: RunningPeer, _ path: String, _ fields: [String: Any]) async throws -> Int {
            let response = try await HTTPClient().send(HTTPRequest(
                method: "POST", url: peer.baseURL + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: try JSONSerialization.data(withJSONObject: fields), timeout: .seconds(30), allowsProxy: false))
            let answer = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            return try #require(answer?["status"] as? Int, "the peer answered \(response.status): \(response.bodySnippet())")
        }

        static func counter(_ core: RunningCore, _ name: String, _ labels: [String: String]) async throws -> Double {
            try await core.decoded(StatsReport.self, ["stats", "--json"]).counter(name, labels) ?? 0
        }

        // MARK: Twilio

        @Test func twilioStatusCallbacksReachTheLogTheScheduleAndTheMetrics() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")

            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "delivered")
            #expect(row.provider_message_id.hasPrefix("SM"))
            #expect(!row.delivery_status_at.isEmpty)
            #expect(row.delivery_error_code.isEmpty && row.delivery_error.isEmpty)
            let send = try #require(setup.peer.requests.first { $0.path.hasSuffix("/Messages.json") })
            #expect(send.form["StatusCallback"] == setup.callbackURL + "/status", "\(send.form)")

            // Both callbacks (sent, delivered) were answered 200, once the core had them.
            let callbacks = Self.callbacks(setup.peer)
            #expect(callbacks.map { $0["status"] as? Int } == [200, 200], "\(callbacks)")

            let schedule = try await setup.core.schedule("b-1")
            let confirmation = try #require(schedule.notifications.first { $0.kind == "confirmation" })
            #expect(confirmation.delivery_status == "delivered", "\(schedule.notifications)")
            let text = try await setup.core.heraldOrThrow(["schedule", "b-1"])
            #expect(text.contains("sent, delivered"), "\(text)")
            let log = try await setup.core.heraldOrThrow(["log", "--tenant", "salon"])
            #expect(log.contains("delivered"), "\(log)")

            let labels = ["channel": "sms", "provider": "twilio"]
            #expect(try await Self.counter(setup.core, "herald_receipts_total", labels.merging(["result": "updated"]) { $1 }) == 2)
            #expect(try await Self.counter(setup.core, "herald_delivery_status_total", labels.merging(["status": "delivered"]) { $1 }) == 1)

            #expect(try await setup.channel.stop() == 0)
            #expect(!setup.channel.process.stderr.contains(Self.twilioToken), "the auth token reached the log")
            #expect(try await setup.core.stop() == 0)
        }

        @Test func twilioUndeliveredKeepsTheErrorCode() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340030")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "undelivered")
            #expect(row.delivery_error_code == "30003", "\(row)")
            #expect(row.delivery_error.contains("Unreachable"), "\(row)")
        }

        /// delivered, the same delivered again, then a late sent: the row ends delivered,
        /// every callback is answered 200, and the two that change nothing are counted so.
        @Test func outOfOrderAndDuplicateCallbacksEndInTheFurthestState() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340031")
            _ = try await Self.waitForDelivery(setup, booking: "b-1", status: "delivered")
            let labels = ["channel": "sms", "provider": "twilio"]
            try await eventually("three callbacks answered", within: .seconds(30)) {
                Self.callbacks(setup.peer).count == 3
            }
            #expect(Self.callbacks(setup.peer).map { $0["status"] as? Int } == [200, 200, 200])
            try await eventually("two unchanged receipts counted", within: .seconds(30)) {
                try await Self.counter(setup.core, "herald_receipts_total", labels.merging(["result": "unchanged"]) { $1 }) == 2
            }
            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "delivered")
            #expect(row.delivery_status == "delivered")
        }

        /// A forged or unsigned callback is refused with 403 and changes nothing; the
        /// refusals reach the core's metrics with the worker's heartbeats. A correctly
        /// signed receipt for a message Herald never sent is taken, counted and dropped.
        @Test func forgedCallbacksAreRefusedAndUnknownMessagesDropped() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340032") // no receipts
            let sent = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "sms")
            #expect(sent.outcome == "sent")
            let url = setup.callbackURL + "/status"

            let forged = try await Self.peerCallback(setup.peer, "/_peer/forged", [
                "provider": "twilio", "message_id": sent.provider_message_id, "status": "delivered", "url": url,
            ])
            let unsigned = try await Self.peerCallback(setup.peer, "/_peer/forged", [
                "provider": "twilio", "message_id": sent.provider_message_id, "status": "delivered", "url": url,
                "unsigned": true,
            ])
            #expect(forged == 403 && unsigned == 403, "forged: \(forged), unsigned: \(unsigned)")
            let unknown = try await Self.peerCallback(setup.peer, "/_peer/receipt", [
                "provider": "twilio", "message_id": "SM00000000000000000000000000000000", "status": "delivered", "url": url,
            ])
            #expect(unknown == 200)

            // The peer tries a refused callback again, as providers do: every attempt counts.
            let refused = Self.callbacks(setup.peer).filter { $0["status"] as? Int == 403 }.count
            #expect(refused >= 2)
            let labels = ["channel": "sms", "provider": "twilio"]
            var counted = 0.0
            try await eventually("\(refused) refusals counted at the core, not \(counted)", within: .seconds(30)) {
                counted = try await Self.counter(setup.core, "herald_callbacks_refused_total", labels)
                return counted == Double(refused)
            }
            // Counted after its second try, a second later (it might have overtaken its result).
            try await eventually("the unknown receipt counted", within: .seconds(30)) {
                try await Self.counter(setup.core, "herald_receipts_total", labels.merging(["result": "unknown"]) { $1 }) == 1
            }
            let row = try #require(try await setup.core.log(tenant: "salon").first { $0.booking_id == "b-1" })
            #expect(row.delivery_status.isEmpty, "a refused callback changed the log: \(row)")
            #expect(setup.channel.process.stderr.contains("callback refused"), "\(setup.channel.process.stderr)")
        }

        /// With no core to take it, a callback is answered 503 so the provider sends it
        /// again; once a core is back, the provider's next try is stored.
        @Test func callbacksWaitForTheCore() async throws {
            let setup = try await Self.setUp("twilio")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340032") // no receipts
            let sent = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "sms")
            let directory = setup.core.directory
            let endpoints = CoreEndpoints(
                admin: setup.core.adminEndpoint, channel: setup.core.channelEndpoint, events: setup.core.eventsEndpoint)
            #expect(try await setup.core.stop() == 0)

            let fields: [String: Any] = [
                "provider": "twilio", "message_id": sent.provider_message_id, "status": "delivered",
                "url": setup.callbackURL + "/status",
            ]
            #expect(try await Self.peerCallback(setup.peer, "/_peer/receipt", fields) == 503)

            let core = try await RunningCore.start(
                in: directory, arguments: ["--heartbeat-interval", "0.5"], endpoints: endpoints)
            try await eventually("the channel back with the core", within: .seconds(60)) {
                try await core.channels().workers.contains { $0.instance_id == setup.channel.instance }
            }
            #expect(try await Self.peerCallback(setup.peer, "/_peer/receipt", fields) == 200)
            let row = try await Self.waitForDelivery(
                Setup(core: core, peer: setup.peer, channel: setup.channel, callbackURL: setup.callbackURL),
                booking: "b-1", status: "delivered")
            #expect(row.provider_message_id == sent.provider_message_id)
            #expect(try await core.stop() == 0)
        }

        @Test func deliveryChangesArePublishedOnTheEventStream() async throws {
            let setup = try await Self.setUp("twilio")
            let tail = try ChildProcess(
                Binaries.herald, ["tail", "--count", "1", "--json", "--type", "delivery.delivered"],
                environment: setup.core.heraldEnvironment)
            // PUB/SUB drops what is published before the subscription arrives: keep
            // booking until tail has seen one (bounded).
            var bookings = 0
            while tail.isRunning && bookings < 30 {
                bookings += 1
                try await setup.core.createPhoneBooking("salon", id: "b-\(bookings)", phone: "+49151123400\(10 + bookings)")
                _ = try await Self.waitForDelivery(setup, booking: "b-\(bookings)", status: "delivered")
                try? await eventually("tail", within: .milliseconds(500)) { !tail.isRunning }
            }
            #expect(try await tail.waitForExit() == 0)
            let event = try JSONSerialization.jsonObject(with: Data(tail.stdout.utf8)) as? [String: Any]
            #expect(event?["type"] as? String == "delivery.delivered", "\(tail.stdout)")
            let entry = event?["entry"] as? [String: Any]
            #expect(entry?["outcome"] as? String == "sent")
            #expect(entry?["delivery_status"] as? String == "delivered", "\(tail.stdout)")
        }

        /// A subscription to delivery.undelivered gets a signed webhook when Twilio reports
        /// a message undelivered; one to booking events only gets none of it.
        @Test func deliveryStatusesReachWebhookSubscriptions() async throws {
            let setup = try await Self.setUp("twilio")
            let secretFile = setup.core.directory.appendingPathComponent("webhook-secret")
            let subscriber = try await RunningPeer.start(
                "webhook_peer.py", directory: setup.core.directory, arguments: ["--secret-file", secretFile.path])
            let added = try await setup.core.heraldOrThrow([
                "webhook", "add", "salon", "--url", "\(subscriber.baseURL)/hook/200", "--events", "delivery.undelivered", "--json",
            ])
            let secret = try #require((try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["secret"] as? String)
            try Data(secret.utf8).write(to: secretFile)
            _ = try await setup.core.heraldOrThrow([
                "webhook", "add", "salon", "--url", "\(subscriber.baseURL)/hook/200/bookings", "--events", "booking.cancelled",
            ])
            let webhooks = try await ProviderChannel.start(
                "herald-webhook", core: setup.core, environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.1"])

            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340030")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "undelivered")
            let request = try await waitFor("the delivery.undelivered webhook", within: .seconds(60)) {
                subscriber.requests.first { $0.json?["type"] as? String == "delivery.undelivered" }
            }
            #expect(request.verified == true, "standardwebhooks: \(request.verify_error ?? "")")
            #expect(request.path == "/hook/200")
            let data = try #require(request.json?["data"] as? [String: Any])
            #expect(data["booking_id"] as? String == "b-1")
            #expect(data["provider_message_id"] as? String == row.provider_message_id)
            #expect(data["error_code"] as? String == "30003")
            let webhookRow = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "webhook")
            #expect(webhookRow.outcome == "sent" && webhookRow.kind == "webhook", "\(webhookRow)")
            #expect(request.headers["webhook-id"] == webhookRow.job_id)
            #expect(subscriber.requests.count == 1, "only the subscription to delivery.undelivered: \(subscriber.requests)")
            #expect(try await webhooks.stop() == 0)
        }

        // MARK: Fallback

        /// An SMS Twilio reports undelivered goes out by e-mail at once (a real SMTP
        /// server receives it), as its own notification, visible in the schedule with
        /// its reason.
        @Test func anUndeliveredSMSFallsBackToEmailBeforeTheAppointment() async throws {
            let setup = try await Self.setUp("twilio")
            let smtp = try await SMTPPeer.start(
                in: setup.core.directory, mode: .starttls, user: EmailChannelTests.user, password: EmailChannelTests.password)
            let email = try await RunningEmailChannel.start(
                "email-fallback", core: setup.core, environment: EmailChannelTests.environment(smtp))
            _ = try await setup.core.heraldOrThrow(["settings", "set", "salon", "--fallback", "email"])

            _ = try await setup.core.heraldOrThrow([
                "booking", "create", "salon", "--id", "b-1", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
                "--phone", "+4915112340030", "--email", "ada@example.com", "--name", "Ada Lovelace",
            ])
            let sms = try await Self.waitForDelivery(setup, booking: "b-1", status: "undelivered")
            let fallback = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "email")
            #expect(fallback.outcome == "sent" && fallback.kind == "confirmation" && fallback.provider == "smtp", "\(fallback)")
            #expect(fallback.event_id == "fb_\(sms.id)", "\(fallback)")
            try await eventually("the fallback e-mail at the SMTP server") { try !smtp.messages().isEmpty }
            let mail = try #require(try smtp.messages().first)
            #expect(mail.parsed.rcpt_tos == ["ada@example.com"])

            let schedule = try await setup.core.schedule("b-1")
            let planned = try #require(schedule.notifications.first { $0.fallback })
            #expect(planned.channel == "email" && planned.status == "sent", "\(schedule.notifications)")
            #expect(planned.last_error.contains("reported undelivered (30003"), "\(planned)")
            let text = try await setup.core.heraldOrThrow(["schedule", "b-1"])
            #expect(text.contains("confirmation (fallback)"), "\(text)")
            #expect(try await email.stop() == 0)
        }

        // MARK: Opt-outs

        /// Twilio's 21610 (the number replied STOP) puts the customer on the tenant's
        /// suppression list; their next booking's SMS is planned skipped with the reason,
        /// and taken off the list they are sent to again.
        @Test func anUnsubscribedNumberIsSuppressedUntilTakenOffTheList() async throws {
            let setup = try await Self.setUp("twilio")
            let phone = "+4915112340004"
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: phone)
            let failed = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: "sms")
            #expect(failed.outcome == "failed" && failed.error.contains("21610"), "\(failed)")

            let listed = try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"])
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
            #expect(entries.count == 1, "\(listed)")
            #expect(entries.first?["recipient"] as? String == phone)
            #expect(entries.first?["channel"] as? String == "sms" && entries.first?["source"] as? String == "provider")
            #expect((entries.first?["reason"] as? String)?.contains("21610") == true, "\(listed)")

            try await setup.core.createPhoneBooking("salon", id: "b-2", phone: phone)
            let skipped = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-2", channel: "sms")
            #expect(skipped.outcome == "skipped" && skipped.error == "recipient opted out", "\(skipped)")
            let schedule = try await setup.core.schedule("b-2")
            #expect(schedule.notifications.first { $0.channel == "sms" }?.status == "skipped", "\(schedule.notifications)")
            let requestsBefore = setup.peer.requests.filter { $0.path.hasSuffix("/Messages.json") }.count

            let removed = try await setup.core.heraldOrThrow(["suppression", "remove", "salon", "--channel", "sms", "--to", phone])
            #expect(removed.contains("removed"), "\(removed)")
            try await setup.core.createPhoneBooking("salon", id: "b-3", phone: phone)
            let again = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-3", channel: "sms")
            #expect(again.outcome == "failed", "sent to Twilio again (which still answers 21610): \(again)")
            #expect(setup.peer.requests.filter { $0.path.hasSuffix("/Messages.json") }.count == requestsBefore + 1)

            // By hand: a bad number is refused with the field at fault.
            let bad = try await setup.core.herald("suppression", "add", "salon", "--channel", "sms", "--to", "not a number")
            #expect(bad.status != 0 && bad.stderr.contains("recipient"), "\(bad)")
        }

        /// A receipt saying the number opted out puts it on the list, as each provider
        /// says it: Twilio's 21610, Vonage's err-code 9, WhatsApp's 131050 (marketing
        /// messages only, so follow-ups only).
        @Test(arguments: ["twilio", "vonage", "whatsapp"])
        func anOptedOutReceiptPutsTheNumberOnTheList(provider: String) async throws {
            let setup = try await Self.setUp(provider)
            let channel = provider == "whatsapp" ? "whatsapp" : "sms"
            let phone = "+4915112340034"
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: phone)
            let row = try await Self.waitForDelivery(setup, booking: "b-1", channel: channel, status: "undelivered")
            let code = ["twilio": "21610", "vonage": "9", "whatsapp": "131050"][provider]
            #expect(row.delivery_error_code == code, "\(row)")
            let entries = try await waitFor("the opted-out number listed", within: .seconds(30)) {
                let listed = try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"])
                let entries = try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]] ?? []
                return entries.isEmpty ? nil : entries
            }
            #expect(entries.count == 1 && entries.first?["recipient"] as? String == phone, "\(entries)")
            #expect(entries.first?["channel"] as? String == channel && entries.first?["source"] as? String == "provider")
            #expect(entries.first?["scope"] as? String == (provider == "whatsapp" ? "follow_up" : "all"), "\(entries)")
            #expect((entries.first?["reason"] as? String)?.contains(code ?? "?") == true, "\(entries)")
        }

        /// A customer's STOP (Twilio's incoming-message webhook, signed) puts the number on
        /// the list of the tenant that booked it; the next SMS is skipped; START takes it off.
        @Test(arguments: ["twilio", "vonage", "whatsapp"])
        func stopAndStartRepliesManageTheList(provider: String) async throws {
            let setup = try await Self.setUp(provider)
            let channel = provider == "whatsapp" ? "whatsapp" : "sms"
            let phone = "+4915112340032" // no receipts for it
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: phone)
            _ = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-1", channel: channel)

            let stop = try await Self.peerCallback(setup.peer, "/_peer/inbound", [
                "provider": provider, "from": phone, "to": "+15005550006", "text": "Stop",
            ])
            #expect(stop == 200)
            let listed = try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"])
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
            #expect(entries.map { $0["recipient"] as? String } == [phone], "\(listed)")
            #expect(entries.first?["source"] as? String == "reply" && entries.first?["channel"] as? String == channel, "\(listed)")

            try await setup.core.createPhoneBooking("salon", id: "b-2", phone: phone)
            let skipped = try await setup.core.waitForOutcome(tenant: "salon", booking: "b-2", channel: channel)
            #expect(skipped.outcome == "skipped" && skipped.error == "recipient opted out", "\(skipped)")

            // A forged STOP changes nothing; START takes the number off.
            let forged = try await Self.peerCallback(setup.peer, "/_peer/forged", [
                "kind": "inbound", "provider": provider, "from": phone, "text": "START",
            ])
            #expect(forged == 403)
            #expect(try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"]).contains(phone))
            let start = try await Self.peerCallback(setup.peer, "/_peer/inbound", [
                "provider": provider, "from": phone, "to": "+15005550006", "text": "START",
            ])
            #expect(start == 200)
            let after = try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"])
            #expect(!after.contains(phone), "\(after)")
            let labels = ["channel": channel, "provider": provider == "whatsapp" ? "whatsapp-cloud" : provider]
            #expect(try await Self.counter(setup.core, "herald_inbound_messages_total", labels.merging(["meaning": "stop"]) { $1 }) == 1)
            #expect(try await Self.counter(setup.core, "herald_inbound_messages_total", labels.merging(["meaning": "start"]) { $1 }) == 1)
        }

        /// The tenant's reply keywords: "c" confirms the customer's pending booking (its
        /// booking.confirmed event reaches a webhook subscriber), "X" cancels it (with the
        /// cancellation notice by SMS); keywords are refused when they are opt-out words.
        @Test func replyKeywordsConfirmAndCancelTheNextBooking() async throws {
            let setup = try await Self.setUp("twilio")
            let refused = try await setup.core.herald("settings", "set", "salon", "--reply-confirm", "STOP")
            #expect(refused.status != 0 && refused.stderr.contains("opt-out word"), "\(refused)")
            let reserved = try await setup.core.herald("settings", "set", "salon", "--reply-confirm", "YES")
            #expect(reserved.status != 0 && reserved.stderr.contains("providers answer themselves"), "\(reserved)")
            _ = try await setup.core.heraldOrThrow(["settings", "set", "salon", "--reply-confirm", "c,ok", "--reply-cancel", "x"])
            let shown = try await setup.core.heraldOrThrow(["settings", "show", "salon", "--json"])
            let settings = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any]
            #expect(settings?["reply_confirm_keywords"] as? [String] == ["C", "OK"], "\(shown)")
            #expect(settings?["reply_cancel_keywords"] as? [String] == ["X"], "\(shown)")

            let secretFile = setup.core.directory.appendingPathComponent("webhook-secret")
            let subscriber = try await RunningPeer.start(
                "webhook_peer.py", directory: setup.core.directory, arguments: ["--secret-file", secretFile.path])
            let added = try await setup.core.heraldOrThrow([
                "webhook", "add", "salon", "--url", "\(subscriber.baseURL)/hook/200", "--events", "booking.confirmed", "--json",
            ])
            let secret = try #require((try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["secret"] as? String)
            try Data(secret.utf8).write(to: secretFile)
            let webhooks = try await ProviderChannel.start(
                "herald-webhook", core: setup.core, environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.1"])

            let phone = "+4915112340032"
            _ = try await setup.core.heraldOrThrow([
                "booking", "create", "salon", "--id", "b-1", "--start", iso8601(Date().addingTimeInterval(2 * 86400)),
                "--phone", phone, "--name", "Ada Lovelace", "--status", "pending",
            ])
            #expect(try await Self.peerCallback(setup.peer, "/_peer/inbound", ["provider": "twilio", "from": phone, "text": "c"]) == 200)
            try await eventually("the booking confirmed by the reply", within: .seconds(30)) {
                try await setup.core.heraldOrThrow(["booking", "show", "b-1", "--json"]).contains("\"confirmed\"")
            }
            let hook = try await waitFor("the booking.confirmed webhook", within: .seconds(60)) {
                subscriber.requests.first { $0.json?["type"] as? String == "booking.confirmed" }
            }
            #expect(hook.verified == true)
            #expect((hook.json?["data"] as? [String: Any])?["booking_id"] as? String == "b-1")

            #expect(try await Self.peerCallback(setup.peer, "/_peer/inbound", ["provider": "twilio", "from": phone, "text": "X"]) == 200)
            try await eventually("the booking cancelled by the reply", within: .seconds(30)) {
                try await setup.core.heraldOrThrow(["booking", "show", "b-1", "--json"]).contains("\"cancelled\"")
            }
            let events = try await setup.core.heraldOrThrow(["events", "salon", "--booking", "b-1"])
            #expect(events.contains("booking.confirmed") && events.contains("booking.cancelled"), "\(events)")
            try await eventually("the cancellation notice sent", within: .seconds(30)) {
                try await setup.core.log(tenant: "salon").contains { $0.booking_id == "b-1" && $0.kind == "cancellation" && $0.outcome == "sent" }
            }
            // A word the tenant does not use changes nothing (and is not an opt-out).
            #expect(try await Self.peerCallback(setup.peer, "/_peer/inbound", ["provider": "twilio", "from": phone, "text": "maybe"]) == 200)
            let list = try await setup.core.heraldOrThrow(["suppression", "list", "salon", "--json"])
            #expect(!list.contains(phone), "\(list)")
            #expect(try await webhooks.stop() == 0)
        }

        // MARK: Vonage

        @Test(arguments: ["POST-JSON", "POST", "GET"])
        func vonageSignedReceiptsReachTheLog(method: String) async throws {
            let setup = try await Self.setUp("vonage", peerArguments: ["--vonage-dlr-method", method])
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340000")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "delivered")
            let send = try #require(setup.peer.requests.first { $0.path == "/sms/json" })
            #expect(send.form["callback"] == setup.callbackURL + "/status", "\(send.form)")
            #expect(!row.provider_message_id.isEmpty)
            #expect(Self.callbacks(setup.peer).map { $0["status"] as? Int } == [200])

            let forged = try await Self.peerCallback(setup.peer, "/_peer/forged", [
                "provider": "vonage", "message_id": row.provider_message_id, "status": "failed",
            ])
            #expect(forged == 403)
            #expect(!setup.channel.process.stderr.contains(Self.vonageSignatureSecret))
        }

        @Test func vonageFailedReceiptIsUndeliveredWithTheErrCode() async throws {
            let setup = try await Self.setUp("vonage")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340030")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", status: "undelivered")
            #expect(row.delivery_error_code == "12", "\(row)")
            #expect(row.delivery_error == "Destination unreachable", "\(row)")
        }

        // MARK: WhatsApp

        @Test func whatsappStatusesReachReadAndTheHandshakeIsAnswered() async throws {
            let setup = try await Self.setUp("whatsapp")
            // Meta's subscription handshake: the challenge back for the right token only.
            let client = HTTPClient()
            let good = try await client.send(HTTPRequest(
                method: "GET",
                url: setup.callbackURL + "/webhook?hub.mode=subscribe&hub.verify_token=\(Self.verifyToken)&hub.challenge=1158201444",
                allowsProxy: false))
            #expect(good.status == 200)
            #expect(String(decoding: good.body, as: UTF8.self) == "1158201444")
            let bad = try await client.send(HTTPRequest(
                method: "GET", url: setup.callbackURL + "/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
                allowsProxy: false))
            #expect(bad.status == 403)

            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340033")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", channel: "whatsapp", status: "read")
            #expect(row.provider_message_id.hasPrefix("wamid."))
            try await eventually("three statuses answered", within: .seconds(30)) { Self.callbacks(setup.peer).count == 3 }
            #expect(Self.callbacks(setup.peer).map { $0["status"] as? Int } == [200, 200, 200])

            let forged = try await Self.peerCallback(setup.peer, "/_peer/forged", [
                "provider": "whatsapp", "message_id": row.provider_message_id, "status": "failed",
            ])
            #expect(forged == 403)
            #expect(!setup.channel.process.stderr.contains(Self.appSecret))
        }

        @Test func whatsappFailedStatusIsUndeliveredWithItsError() async throws {
            let setup = try await Self.setUp("whatsapp")
            try await setup.core.createPhoneBooking("salon", id: "b-1", phone: "+4915112340030")
            let row = try await Self.waitForDelivery(setup, booking: "b-1", channel: "whatsapp", status: "undelivered")
            #expect(row.delivery_error_code == "131026", "\(row)")
            #expect(row.delivery_error.contains("undeliverable"), "\(row)")
        }

        // MARK: Refusals at start

        @Test func callbackOptionsAreCheckedAtStart() async throws {
            let twilio = [
                "TWILIO_ACCOUNT_SID": Self.twilioSID, "TWILIO_AUTH_TOKEN": Self.twilioToken, "TWILIO_PHONE_NUMBER": "+15005550006",
            ]
            let onlyURL = try await ProviderChannel.refusal(
                "herald-sms-twilio", environment: twilio, arguments: ["--callback-url", "https://hooks.example.com/twilio"])
            #expect(onlyURL.status == 64, "\(onlyURL)")
            #expect(onlyURL.stderr.contains("--callback-url needs --callback-listen"), "\(onlyURL)")

            let withQuery = try await ProviderChannel.refusal(
                "herald-sms-twilio", environment: twilio,
                arguments: ["--callback-listen", "127.0.0.1:0", "--callback-url", "https://hooks.example.com/t?x=1"])
            #expect(withQuery.status == 64, "\(withQuery)")
            #expect(withQuery.stderr.contains("without a query"), "\(withQuery)")

            let smtp = try await ProviderChannel.refusal(
                "herald-email-smtp", environment: ["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "desk@example.com"],
                arguments: ["--callback-listen", "127.0.0.1:0", "--callback-url", "https://hooks.example.com/mail"])
            #expect(smtp.status == 78, "\(smtp)")
            #expect(smtp.stderr.contains("takes no provider callbacks"), "\(smtp)")

            let whatsapp = try await ProviderChannel.refusal(
                "herald-whatsapp",
                environment: ["WHATSAPP_TOKEN": "t", "WHATSAPP_PHONE_NUMBER_ID": "1", "WHATSAPP_API_BASE": "https://graph.example.com",
                              "WHATSAPP_APP_SECRET": "", "WHATSAPP_VERIFY_TOKEN": ""],
                arguments: ["--callback-listen", "127.0.0.1:0", "--callback-url", "https://hooks.example.com/wa"])
            #expect(whatsapp.status == 78, "\(whatsapp)")
            #expect(whatsapp.stderr.contains("WHATSAPP_APP_SECRET is not set"), "\(whatsapp)")
        }
    }
}
