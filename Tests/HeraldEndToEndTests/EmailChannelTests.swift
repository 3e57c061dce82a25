import Foundation
import HeraldTesting
import Testing

/// `herald-email-smtp` end to end: a real `heraldd`, the real channel binary,
/// and a real SMTP server (aiosmtpd) with STARTTLS and AUTH.
@Suite("herald-email-smtp against a real SMTP server", .timeLimit(.minutes(5)))
struct EmailChannelTests {
    static let sender = "reminders@herald.example"
    static let user = "herald"
    static let password = "s3cret pass"

    static func environment(_ peer: SMTPPeer, password: String = password) -> [String: String] {
        [
            "SMTP_URL": peer.url, "SMTP_FROM": sender, "SMTP_USERNAME": user, "SMTP_PASSWORD": password,
            "SMTP_CA_FILE": peer.certificate.path,
        ]
    }

    /// A core, a peer and a connected channel, plus tenant "salon".
    static func setUp(
        mode: SMTPPeer.Mode = .starttls, password: String = password
    ) async throws -> (RunningCore, SMTPPeer, ProviderChannel) {
        let core = try await RunningCore.start()
        let peer = try await SMTPPeer.start(in: core.directory, mode: mode, user: user, password: Self.password)
        let channel = try await RunningEmailChannel.start(
            "email-smtp-1", core: core, environment: environment(peer, password: password))
        _ = try await core.heraldOrThrow(["tenant", "create", "salon", "--name", "Salon Lumière"])
        _ = try await core.heraldOrThrow(["settings", "set", "salon", "--sender-name", "Salon Lumière", "--reply-to", "desk@salon.example"])
        return (core, peer, channel)
    }

    static func book(_ core: RunningCore, id: String, name: String, email: String) async throws {
        _ = try await core.heraldOrThrow([
            "booking", "create", "salon", "--id", id, "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
            "--email", email, "--name", name,
        ])
    }

    @Test func confirmationArrivesAsAWellFormedMIMEMessage() async throws {
        let (core, peer, channel) = try await Self.setUp()
        let customer = "Zoë Ångström-Łukasiewicz"
        try await Self.book(core, id: "b-1", name: customer, email: "zoe@example.com")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.outcome == "sent" })
        #expect(row.provider == "smtp")
        #expect(row.channel == "email")
        #expect(row.attempts == 1)
        let messageID = "<\(row.job_id)@herald.example>"
        #expect(row.provider_message_id == messageID)

        try await eventually("the peer to store the message") { try !peer.messages().isEmpty }
        let mails = try peer.messages()
        #expect(mails.count == 1)
        let mail = try #require(mails.first)

        // The raw bytes: CRLF only, 7-bit, every line within 78 characters.
        let raw = [UInt8](mail.raw)
        for (index, byte) in raw.enumerated() where byte == 0x0A {
            #expect(index > 0 && raw[index - 1] == 0x0D, "bare LF at byte \(index)")
        }
        #expect(raw.allSatisfy { $0 < 0x80 }, "8-bit bytes in a message that declares no 8bit transfer")
        for line in mail.rawText.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "line longer than 78: \(line)")
        }
        let rawHeaders = mail.rawHeaders
        #expect(rawHeaders["subject"]?.first?.hasPrefix("=?UTF-8?B?") == true, "\(rawHeaders)")
        #expect(rawHeaders["message-id"] == [messageID])
        #expect(rawHeaders["mime-version"] == ["1.0"])
        for name in ["date", "from", "to", "subject", "message-id", "reply-to"] {
            #expect(rawHeaders[name]?.count == 1, "\(name) should appear once: \(rawHeaders)")
        }
        let date = try #require(rawHeaders["date"]?.first)
        let parsedDate = try #require(Self.rfc5322Date(date), "Date: \(date)")
        #expect(abs(parsedDate.timeIntervalSinceNow) < 600, "Date: \(date)")

        // What an independent parser reads.
        let parsed = mail.parsed
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.mail_from == Self.sender)
        #expect(parsed.rcpt_tos == ["zoe@example.com"])
        #expect(parsed.addresses["from"] == [.init(name: "Salon Lumière", address: Self.sender)])
        #expect(parsed.addresses["to"] == [.init(name: customer, address: "zoe@example.com")])
        #expect(parsed.addresses["reply-to"] == [.init(name: "", address: "desk@salon.example")])
        #expect(parsed.headers["subject"] == ["Your appointment at Salon Lumière is confirmed"])
        // The core renders a text part, an HTML part and the calendar invite: the three as
        // alternatives (plain text first), and the invite once more as invite.ics.
        #expect(parsed.content_type == "multipart/mixed")
        #expect(parsed.parts.map(\.content_type) == ["text/plain", "text/html", "text/calendar", "application/ics"])
        for part in parsed.parts.prefix(2) {
            #expect(part.charset == "utf-8")
            #expect(part.transfer_encoding == "quoted-printable")
        }
        let text = try #require(parsed.parts.first)
        #expect(text.content.hasPrefix("Hi Zoë,"), "\(text.content)")
        #expect(text.content.contains("with Salon Lumière"), "\(text.content)")
        let html = try #require(parsed.parts.dropFirst().first)
        #expect(html.content.contains("<p>Hi Zoë,</p>"), "\(html.content)")
        let calendar = parsed.parts[2], attachment = parsed.parts[3]
        #expect(calendar.method == "REQUEST" && attachment.filename == "invite.ics", "\(parsed.parts)")
        #expect(calendar.content.replacingOccurrences(of: "\r\n", with: "\n") == attachment.content.replacingOccurrences(of: "\r\n", with: "\n"))
        let invite = try #require(try await CalendarInviteTests.read([calendar.content], in: core.directory).first)
        #expect(invite["method"] as? String == "REQUEST" && invite["uid"] as? String == "b-1@herald" && invite["sequence"] as? Int == 0)
        #expect(invite["attendee"] as? String == "mailto:zoe@example.com" && invite["attendee_cn"] as? String == customer)
        #expect(invite["organizer"] as? String == "mailto:desk@salon.example", "\(invite)")

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    /// `SMTP_FROM` with a display name (here an RFC 2047 encoded-word): the envelope
    /// gets the address only; the From header gets the tenant's sender name, or
    /// SMTP_FROM's name for a tenant without one.
    @Test func smtpFromsNameIsTheDisplayNameWhenTheTenantHasNone() async throws {
        let core = try await RunningCore.start()
        let peer = try await SMTPPeer.start(in: core.directory, mode: .starttls, user: Self.user, password: Self.password)
        let name = "Acmé Bookings, Front Desk"
        let encoded = "=?UTF-8?B?" + Data(name.utf8).base64EncodedString() + "?="
        var environment = Self.environment(peer)
        environment["SMTP_FROM"] = "\(encoded) <\(Self.sender)>"
        let channel = try await RunningEmailChannel.start("email-smtp-named", core: core, environment: environment)
        _ = try await core.heraldOrThrow(["tenant", "create", "named", "--name", "Salon Lumière"])
        _ = try await core.heraldOrThrow(["tenant", "create", "plain", "--name", "Plain"])
        _ = try await core.heraldOrThrow(["settings", "set", "plain", "--sender-name", ""])
        for (tenant, email) in [("named", "ada@example.com"), ("plain", "bob@example.com")] {
            _ = try await core.heraldOrThrow([
                "booking", "create", tenant, "--id", "b-\(tenant)", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
                "--email", email, "--name", "Customer",
            ])
        }
        try await eventually("the peer to store both confirmations", within: .seconds(60)) { try peer.messages().count >= 2 }
        let mails = try peer.messages().map(\.parsed)
        let named = try #require(mails.first { $0.rcpt_tos == ["ada@example.com"] })
        let plain = try #require(mails.first { $0.rcpt_tos == ["bob@example.com"] })
        for mail in [named, plain] {
            #expect(mail.defects.isEmpty, "\(mail.defects)")
            #expect(mail.mail_from == Self.sender)
        }
        #expect(named.addresses["from"] == [.init(name: "Salon Lumière", address: Self.sender)])
        #expect(plain.addresses["from"] == [.init(name: name, address: Self.sender)])
        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func a451IsRetriedAndTheNextAttemptIsSent() async throws {
        let (core, peer, channel) = try await Self.setUp()
        try await Self.book(core, id: "b-1", name: "Ada", email: "tempfail-once@example.com")

        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(90), "the retried confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.outcome == "sent" })
        #expect(row.attempts == 2, "\(rows)")
        #expect(row.provider == "smtp")
        #expect(rows.filter { $0.kind == "confirmation" }.count == 1, "\(rows)")
        #expect(peer.recipientLog == ["451 tempfail-once@example.com", "250 tempfail-once@example.com"])
        let mails = try peer.messages()
        #expect(mails.count == 1)
        #expect(mails.first?.rawHeaders["message-id"] == ["<\(row.job_id)@herald.example>"])

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func a451IsRecordedAsTheJobsLastErrorWhileItWaits() async throws {
        let (core, peer, channel) = try await Self.setUp()
        try await Self.book(core, id: "b-1", name: "Ada", email: "tempfail@example.com")

        try await eventually("the 451 to show as the confirmation's last error", within: .seconds(60)) {
            let confirmation = try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" }
            return confirmation?.last_error.hasPrefix("451") == true
        }
        let confirmation = try #require(try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" })
        #expect(confirmation.last_error.contains("temporary failure"), "\(confirmation)")
        #expect(confirmation.status != "sent" && confirmation.status != "failed", "\(confirmation)")
        #expect(try await core.log(tenant: "salon").isEmpty)
        #expect(try peer.messages().isEmpty)

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func a550FailsWithTheCodeAndTheServersText() async throws {
        let (core, peer, channel) = try await Self.setUp()
        try await Self.book(core, id: "b-1", name: "Ada", email: "reject@example.com")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to fail") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "failed" }
        }
        let row = try #require(rows.first { $0.kind == "confirmation" })
        #expect(row.provider == "smtp")
        #expect(row.attempts == 1)
        #expect(row.error.hasPrefix("550: "), "\(row.error)")
        #expect(row.error.contains("mailbox unavailable"), "\(row.error)")
        #expect(peer.recipientLog == ["550 reject@example.com"])
        #expect(try peer.messages().isEmpty)

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func aWrongPasswordFailsClearlyAndSendsNothing() async throws {
        let (core, peer, channel) = try await Self.setUp(password: "not the password")
        try await Self.book(core, id: "b-1", name: "Ada", email: "ada@example.com")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to fail") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "failed" }
        }
        let row = try #require(rows.first { $0.kind == "confirmation" })
        #expect(row.error.hasPrefix("535: "), "\(row.error)")
        #expect(row.error.lowercased().contains("login denied") || row.error.lowercased().contains("authentication"), "\(row.error)")
        #expect(!row.error.contains("not the password"), "the password leaked into the log: \(row.error)")
        #expect(peer.recipientLog.isEmpty)
        #expect(try peer.messages().isEmpty)

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func aServerWithoutSTARTTLSNeverGetsTheMessage() async throws {
        let (core, peer, channel) = try await Self.setUp(mode: .plain)
        try await Self.book(core, id: "b-1", name: "Ada", email: "ada@example.com")

        // Until the refusal shows as the job's last error, or (the failure this
        // test is for) the server hears of a recipient.
        var lastError = ""
        try await eventually("the STARTTLS refusal to show as the confirmation's last error", within: .seconds(60)) {
            let confirmation = try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" }
            lastError = confirmation?.last_error ?? ""
            return lastError.hasPrefix("starttls_unavailable") || !peer.recipientLog.isEmpty
        }
        #expect(lastError.hasPrefix("starttls_unavailable: "), "\(lastError)")
        #expect(peer.recipientLog.isEmpty, "the server was given a recipient in clear: \(peer.recipientLog)")
        #expect(try peer.messages().isEmpty)
        #expect(try await core.log(tenant: "salon").isEmpty)

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func implicitTLSWithSMTPS() async throws {
        let (core, peer, channel) = try await Self.setUp(mode: .smtps)
        try await Self.book(core, id: "b-1", name: "Ada", email: "ada@example.com")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        #expect(rows.first { $0.outcome == "sent" }?.provider == "smtp")
        try await eventually("the peer to store the message") { try !peer.messages().isEmpty }
        #expect(try peer.messages().first?.parsed.rcpt_tos == ["ada@example.com"])

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func headerInjectionInABookingNeverReachesTheServer() async throws {
        let (core, peer, channel) = try await Self.setUp()
        // The core refuses control characters in names and anything but an
        // address in the email field, so no such delivery is ever made (the
        // channel's own refusal is tested in-process in HeraldChannelKitTests).
        let name = try await core.herald(
            "booking", "create", "salon", "--id", "b-evil", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
            "--email", "ada@example.com", "--name", "Eve\r\nBcc: evil@attacker.example")
        #expect(name.status == 1, "\(name)")
        #expect(name.stderr.contains("customer_name"), "\(name)")
        let email = try await core.herald(
            "booking", "create", "salon", "--id", "b-evil2", "--start", iso8601(Date().addingTimeInterval(3 * 86400)),
            "--email", "ada@example.com>\r\nRCPT TO:<evil@attacker.example", "--name", "Eve")
        #expect(email.status == 1, "\(email)")
        #expect(email.stderr.contains("customer_email"), "\(email)")

        // A good booking afterwards arrives, with no one else on the envelope.
        try await Self.book(core, id: "b-good", name: "Ada", email: "ada@example.com")
        try await eventually("the good booking's confirmation to arrive") { try !peer.messages().isEmpty }
        let mails = try peer.messages()
        #expect(mails.count == 1)
        #expect(mails.first?.parsed.rcpt_tos == ["ada@example.com"])
        #expect(peer.recipientLog == ["250 ada@example.com"])

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func concurrentDeliveriesAllArrive() async throws {
        let (core, peer, channel) = try await Self.setUp()
        let count = 8
        for index in 1...count {
            try await Self.book(core, id: "b-\(index)", name: "Customer \(index)", email: "c\(index)@example.com")
        }
        _ = try await waitForLog(core, tenant: "salon", timeout: .seconds(60), "\(count) confirmations to be sent") { rows in
            rows.filter { $0.kind == "confirmation" && $0.outcome == "sent" }.count == count
        }
        try await eventually("the peer to store \(count) messages") { try peer.messages().count == count }
        let recipients = try peer.messages().flatMap(\.parsed.rcpt_tos).sorted()
        #expect(recipients == (1...count).map { "c\($0)@example.com" }.sorted())
        let ids = try Set(peer.messages().compactMap { $0.rawHeaders["message-id"]?.first })
        #expect(ids.count == count)

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    @Test func withOutboxItStartsWithoutSMTPSettings() async throws {
        let core = try await RunningCore.start()
        let outbox = core.directory.appendingPathComponent("outbox")
        let channel = try await RunningEmailChannel.start(
            "email-outbox", core: core, environment: ["SMTP_URL": "", "SMTP_FROM": ""], arguments: ["--outbox", outbox.path])
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1", email: "ada@example.com")
        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be written") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        #expect(rows.first { $0.outcome == "sent" }?.provider == "outbox")
        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
    }

    // MARK: The program itself

    @Test(arguments: [
        (["SMTP_URL": "", "SMTP_FROM": "reminders@herald.example"], "SMTP_URL is not set"),
        (["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": ""], "SMTP_FROM is not set"),
        (["SMTP_URL": "http://127.0.0.1:1", "SMTP_FROM": "reminders@herald.example"], "SMTP_URL must be smtp://"),
        (["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "Acme, Salon <reminders@herald.example>"],
         "SMTP_FROM has ',' in an unquoted name"),
        (["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "Acme <reminders@herald.example>\r\nBcc: x@herald.example"],
         "SMTP_FROM contains a control character (U+000D)"),
        (["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "Acme <reminders@herald.example"], "SMTP_FROM has text after"),
        (["SMTP_URL": "smtp://127.0.0.1:1", "SMTP_FROM": "reminders@herald.example", "SMTP_USERNAME": "u", "SMTP_PASSWORD": ""],
         "SMTP_PASSWORD is not set"),
    ])
    func refusesToStartWithoutItsConfiguration(environment: [String: String], message: String) async throws {
        var environment = environment
        for variable in ["SMTP_URL", "SMTP_FROM", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_CA_FILE", "SMTP_TIMEOUT"]
        where environment[variable] == nil {
            environment[variable] = ""
        }
        // No core is needed: the configuration is checked before connecting.
        let child = try ChildProcess(RunningEmailChannel.binary, ["--core", "tcp://127.0.0.1:1"], environment: environment)
        #expect(try await child.waitForExit() == 78, "\(child.stderr)")
        #expect(child.stderr.contains(message), "\(child.stderr)")
        #expect(child.stderr.hasPrefix("herald-email-smtp: "), "\(child.stderr)")
    }

    @Test func helpNamesEveryVariable() async throws {
        let child = try ChildProcess(RunningEmailChannel.binary, ["--help"])
        #expect(try await child.waitForExit() == 0)
        for variable in ["SMTP_URL", "SMTP_FROM", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_CA_FILE", "SMTP_TIMEOUT", "--outbox"] {
            #expect(child.stdout.contains(variable), "--help does not mention \(variable):\n\(child.stdout)")
        }
    }

    /// "Sat, 21 Nov 2026 16:34:14 +0000" → a date.
    static func rfc5322Date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.date(from: text)
    }
}
