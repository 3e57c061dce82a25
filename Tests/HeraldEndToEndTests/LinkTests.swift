import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// Signed links end to end: a real heraldd with --public-url, the real e-mail channel
/// and SMTP server, and the real gateway serving the link pages.
@Suite("Signed links end to end", .timeLimit(.minutes(5)))
struct LinkTests {
    /// RFC 8058: the follow-up e-mail carries List-Unsubscribe and List-Unsubscribe-Post
    /// (the confirmation does not); GET shows a page and changes nothing; a forged link
    /// is refused; the one-click POST puts the address on the list for follow-ups, and
    /// the customer's next follow-up is skipped while the confirmation still goes.
    @Test func aFollowUpEmailUnsubscribesInOneClick() async throws {
        // The public URL is the reverse proxy's, as in production; the test calls the
        // gateway (on a port it picked itself) with the links' paths.
        let publicURL = Self.publicURL
        let core = try await RunningCore.start(arguments: ["--public-url", publicURL])
        let smtp = try await SMTPPeer.start(
            in: core.directory, mode: .starttls, user: EmailChannelTests.user, password: EmailChannelTests.password)
        let email = try await RunningEmailChannel.start("email-links", core: core, environment: EmailChannelTests.environment(smtp))
        let gateway = try await RunningGateway.start(core: core)
        _ = try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        _ = try await core.heraldOK("settings", "set", "salon", "--follow-up", "1", "--quiet-hours", "off", "--sender-name", "Salon <Lumière>")

        func book(_ id: String) async throws {
            // The confirmation must go out before the start: 10 s leaves room for a slow
            // `booking create` on a loaded machine (with 3 s, CI once saw it missed).
            let start = Date().addingTimeInterval(10)
            _ = try await core.heraldOK(
                "booking", "create", "salon", "--id", id, "--start", iso8601(start), "--end", iso8601(start.addingTimeInterval(1)),
                "--email", "Ada@Example.com", "--name", "Ada Lovelace")
            // A follow-up is planned when the booking is marked completed.
            _ = try await core.heraldOK("booking", "mark", id, "completed")
        }
        try await book("b-1")
        // The follow-up is due a minute after the end (the shortest wait a tenant can set).
        var rows: [LogRow] = []
        let mails = try await waitFor("the confirmation and the follow-up at the SMTP server; the log: \(rows)", within: .seconds(150)) {
            let mails = try smtp.messages()
            rows = try await core.log(tenant: "salon")
            return mails.count >= 2 ? mails : nil
        }
        let followUp = try #require(mails.first { $0.parsed.headers["subject"]?.first?.hasPrefix("Thank you") == true }, "\(mails.map(\.parsed.headers))")
        let confirmation = try #require(mails.first { $0.parsed.headers["subject"]?.first?.hasPrefix("Thank you") == false })
        #expect(confirmation.rawHeaders["list-unsubscribe"] == nil && confirmation.rawHeaders["list-unsubscribe-post"] == nil)
        #expect(followUp.rawHeaders["list-unsubscribe-post"] == ["List-Unsubscribe=One-Click"])
        let header = try #require(followUp.rawHeaders["list-unsubscribe"]?.first)
        #expect(header.hasPrefix("<\(publicURL)/links/lk_") && header.hasSuffix(">"), "\(header)")
        let url = String(header.dropFirst().dropLast())
        let text = try #require(followUp.parsed.parts.first { $0.content_type == "text/plain" }?.content)
        #expect(text.contains("No more follow-up e-mails from us: \(url)"), "\(text)")
        let path = String(url.dropFirst(publicURL.count))

        func listed() async throws -> [[String: Any]] {
            let json = try await core.heraldOK("suppression", "list", "salon", "--json")
            return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        }
        // GET (what a mail scanner does): a page with a button, nothing changed.
        for _ in 0..<2 {
            let page = try await gateway.request("GET", path)
            #expect(page.status == 200 && page.response.header("Content-Type")?.hasPrefix("text/html") == true, "\(page)")
            #expect(page.text.contains("<form method=\"post\">") && page.text.contains("ada@example.com"), "\(page)")
            #expect(page.text.contains("Salon &lt;Lumière&gt;") && !page.text.contains("Salon <Lumière>"), "escaped")
        }
        #expect(try await listed().isEmpty)

        // A link altered in its claim or signature opens nothing.
        let parts = path.split(separator: ".")
        for forged in [parts[0] + "." + parts[1] + "." + parts[2].dropLast(3) + "AAA", String(path.dropLast(parts[2].count + 1))] {
            let answer = try await gateway.request("POST", String(forged))
            #expect(answer.status == 404 && answer.text.contains("not valid"), "\(answer)")
        }
        #expect(try await listed().isEmpty)

        // The one-click POST, as a mail provider sends it.
        let form = [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")]
        let done = try await gateway.request("POST", path, rawBody: Data("List-Unsubscribe=One-Click".utf8), headers: form)
        #expect(done.status == 200 && done.text.contains("You are unsubscribed"), "\(done)")
        let entries = try await listed()
        #expect(entries.count == 1, "\(entries)")
        #expect(entries.first?["recipient"] as? String == "ada@example.com" && entries.first?["channel"] as? String == "email")
        #expect(entries.first?["scope"] as? String == "follow_up" && entries.first?["source"] as? String == "unsubscribe", "\(entries)")
        let again = try await gateway.request("POST", path, rawBody: Data("List-Unsubscribe=One-Click".utf8), headers: form)
        #expect(again.status == 200 && again.text.contains("already"), "\(again)")
        #expect(try await listed().count == 1)

        // The next booking: confirmed by e-mail as before, its follow-up skipped.
        try await book("b-2")
        rows = try await waitFor("b-2's confirmation sent and follow-up skipped", within: .seconds(60)) {
            let rows = try await core.log(tenant: "salon").filter { $0.booking_id == "b-2" }
            return rows.contains { $0.kind == "follow_up" } && rows.contains { $0.kind == "confirmation" } ? rows : nil
        }
        #expect(rows.first { $0.kind == "confirmation" }?.outcome == "sent", "\(rows)")
        let skipped = try #require(rows.first { $0.kind == "follow_up" })
        #expect(skipped.outcome == "skipped" && skipped.error == "recipient opted out", "\(skipped)")

        // A rotation without grace retires the key: the old link opens nothing.
        let keys = try await core.heraldOK("link-keys", "rotate", "--grace-days", "0", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(keys.utf8)) as? [Any])?.count == 1, "\(keys)")
        #expect(try await gateway.request("GET", path).status == 404)

        #expect(try await gateway.stop() == 0)
        #expect(try await email.stop() == 0)
        #expect(try await core.stop() == 0)
    }

    static let publicURL = "https://book.example.test"

    /// Where test artefacts are kept (screenshots of the link pages): `.build/test-artefacts`.
    static let artefacts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-artefacts")

    /// Opens `url` in headless chromium (Tests/Peers/link_browser.py, selenium) and,
    /// unless `press` is false, presses the page's button with Tab and Enter.
    static func browse(_ url: String, screenshots: String, press: Bool = true) async throws -> [String: Any] {
        let directory = artefacts.appendingPathComponent(screenshots)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let run = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [python, RunningPeer.scripts.appendingPathComponent("link_browser.py").path, "--url", url,
             "--screenshot-dir", directory.path] + (press ? [] : ["--no-press"]))
        let status = try await run.waitForExit(within: .seconds(120))
        #expect(status == 0, "link_browser.py: \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
    }

    /// Issue 19's path in a real browser: the customer opens the cancel link of their
    /// confirmation e-mail, reads the appointment, reaches the button with the keyboard
    /// and presses it; the booking is cancelled through the normal path (its event, a
    /// signed webhook, the cancellation notice). Opening a link changes nothing; a
    /// moved appointment's old link says the time changed.
    @Test func aCustomerCancelsInARealBrowser() async throws {
        // The public URL is the reverse proxy's, as in production; the test calls the
        // gateway (on a port it picked itself) with the links' paths.
        let publicURL = Self.publicURL
        let core = try await RunningCore.start(arguments: ["--public-url", publicURL])
        let smtp = try await SMTPPeer.start(
            in: core.directory, mode: .starttls, user: EmailChannelTests.user, password: EmailChannelTests.password)
        let email = try await RunningEmailChannel.start("email-browser", core: core, environment: EmailChannelTests.environment(smtp))
        let gateway = try await RunningGateway.start(core: core)
        _ = try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        _ = try await core.heraldOK("settings", "set", "salon", "--customer-links", "on", "--sender-name", "Salon Lumière")
        #expect(try await core.heraldOK("settings", "show", "salon").contains("on (confirm and cancel)"))

        let secretFile = core.directory.appendingPathComponent("webhook-secret")
        let subscriber = try await RunningPeer.start("webhook_peer.py", directory: core.directory, arguments: ["--secret-file", secretFile.path])
        let added = try await core.heraldOrThrow([
            "webhook", "add", "salon", "--url", "\(subscriber.baseURL)/hook/200", "--events", "booking.cancelled", "--json",
        ])
        let secret = try #require((try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["secret"] as? String)
        try Data(secret.utf8).write(to: secretFile)
        let webhooks = try await ProviderChannel.start("herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.1"])

        func book(_ id: String) async throws -> String {
            _ = try await core.heraldOK(
                "booking", "create", "salon", "--id", id, "--start", iso8601(Date().addingTimeInterval(2 * 86400)),
                "--email", "\(id)@example.com", "--name", "Ada Lovelace")
            let mail = try await waitFor("the confirmation e-mail of \(id)", within: .seconds(60)) {
                try smtp.messages().first { $0.parsed.rcpt_tos == ["\(id)@example.com"] }
            }
            let text = try #require(mail.parsed.parts.first { $0.content_type == "text/plain" }?.content)
            #expect(!text.contains("Please confirm it here"), "a confirmed booking has no confirm link: \(text)")
            let start = try #require(text.range(of: "Cancel it here: "), "\(text)").upperBound
            let link = String(text[start...].prefix { !$0.isWhitespace })
            #expect(link.hasPrefix(publicURL + "/links/"), "\(link)")
            return link
        }
        let cancel = try await book("b-1")

        // Opening it (a mail scanner, or the customer reading) changes nothing.
        let local = gateway.baseURL + cancel.dropFirst(publicURL.count)
        let looked = try await Self.browse(local, screenshots: "cancel-link-opened", press: false)
        #expect((looked["before"] as? [String: Any])?["h1"] as? String == "Cancel your appointment", "\(looked)")
        #expect(try await core.heraldOK("booking", "show", "b-1", "--json").contains("\"confirmed\""))

        let report = try await Self.browse(local, screenshots: "cancel-link")
        let before = try #require(report["before"] as? [String: Any], "\(report)")
        #expect(before["h1"] as? String == "Cancel your appointment")
        #expect((before["text"] as? String)?.contains("Salon Lumière") == true, "\(before)")
        #expect(before["scripts"] as? Int == 0 && (before["viewport"] as? String)?.contains("width=device-width") == true)
        #expect(report["button"] as? String == "Cancel appointment" && report["focused_by_tab"] as? Bool == true, "\(report)")
        #expect((report["after"] as? [String: Any])?["h1"] as? String == "Your appointment is cancelled", "\(report)")
        #expect(FileManager.default.fileExists(atPath: Self.artefacts.appendingPathComponent("cancel-link/after.png").path))

        #expect(try await core.heraldOK("booking", "show", "b-1", "--json").contains("\"cancelled\""))
        let events = try await core.heraldOrThrow(["events", "salon", "--booking", "b-1"])
        #expect(events.contains("booking.cancelled"), "\(events)")
        let hook = try await waitFor("the booking.cancelled webhook", within: .seconds(60)) {
            subscriber.requests.first { $0.json?["type"] as? String == "booking.cancelled" }
        }
        #expect(hook.verified == true)
        try await eventually("the cancellation notice sent", within: .seconds(60)) {
            try await core.log(tenant: "salon").contains { $0.booking_id == "b-1" && $0.kind == "cancellation" && $0.outcome == "sent" }
        }
        // Pressed again (the page reloaded, the e-mail opened twice): done, one event.
        let again = try await gateway.request("POST", String(cancel.dropFirst(publicURL.count)))
        #expect(again.status == 200 && again.text.contains("Nothing more to do"), "\(again)")

        // Moved: the e-mail's cancel link is for the old time, and changes nothing.
        let other = try await book("b-2")
        _ = try await core.heraldOK("booking", "reschedule", "b-2", "--start", iso8601(Date().addingTimeInterval(3 * 86400)))
        let moved = try await gateway.request("POST", String(other.dropFirst(publicURL.count)))
        #expect(moved.status == 409 && moved.text.contains("has changed"), "\(moved)")
        #expect(try await core.heraldOK("booking", "show", "b-2", "--json").contains("\"confirmed\""))

        #expect(try await webhooks.stop() == 0)
        #expect(try await gateway.stop() == 0)
        #expect(try await email.stop() == 0)
        #expect(try await core.stop() == 0)
    }

    /// Issue 19's "ask for confirmation" end to end: the tenant asks, a new booking starts
    /// pending and its e-mail asks the customer to confirm; the customer opens the confirm
    /// link in a real browser and presses the button; the booking is confirmed with its
    /// event, a signed webhook and an acknowledgement e-mail. A booking nobody confirms is
    /// reported to the desk at its deadline (booking.unconfirmed, a host e-mail and the
    /// webhook), and with cancel_unconfirmed it is cancelled with the usual notice.
    @Test func aCustomerConfirmsInARealBrowserAndTheDeadlineReportsOrCancels() async throws {
        let publicURL = Self.publicURL
        let core = try await RunningCore.start(arguments: ["--public-url", publicURL])
        let smtp = try await SMTPPeer.start(
            in: core.directory, mode: .starttls, user: EmailChannelTests.user, password: EmailChannelTests.password)
        let email = try await RunningEmailChannel.start("email-confirm", core: core, environment: EmailChannelTests.environment(smtp))
        let gateway = try await RunningGateway.start(core: core)
        _ = try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        // A deadline one minute before the start: bookings made 80 s ahead reach it in about 20 s.
        _ = try await core.heraldOK(
            "settings", "set", "salon", "--customer-links", "on", "--sender-name", "Salon Lumière",
            "--ask-confirmation", "on", "--confirm-deadline", "1")
        #expect(try await core.heraldOK("settings", "show", "salon").contains("on, by 1 minutes before the start, then reported to the team"))
        _ = try await core.heraldOK(
            "event-type", "create", "salon", "cut", "--name", "Haircut", "--host-emails", "desk@salon.example",
            "--location", "Rue de la Paix 1, Paris")

        let secretFile = core.directory.appendingPathComponent("webhook-secret")
        let subscriber = try await RunningPeer.start("webhook_peer.py", directory: core.directory, arguments: ["--secret-file", secretFile.path])
        let added = try await core.heraldOrThrow([
            "webhook", "add", "salon", "--url", "\(subscriber.baseURL)/hook/200", "--events", "booking.confirmed,booking.unconfirmed",
            "--json",
        ])
        let secret = try #require((try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["secret"] as? String)
        try Data(secret.utf8).write(to: secretFile)
        let webhooks = try await ProviderChannel.start("herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.1"])

        func book(_ id: String, in seconds: TimeInterval) async throws -> [String: Any] {
            let created = try await core.heraldOrThrow([
                "booking", "create", "salon", "--id", id, "--start", iso8601(Date().addingTimeInterval(seconds)),
                "--email", "\(id)@example.com", "--name", "Ada Lovelace", "--event-type", "cut", "--json",
            ])
            return try #require(try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any], "\(created)")
        }
        func mails(to address: String) throws -> [ParsedMail] {
            try smtp.messages().map(\.parsed).filter { $0.rcpt_tos == [address] }
        }
        func text(_ mail: ParsedMail) -> String { mail.parts.first { $0.content_type == "text/plain" }?.content ?? "" }

        // Made without a status: pending, and asked.
        let booked = try await book("b-1", in: 2 * 86400)
        #expect(booked["status"] as? String == "pending" && booked["asked_to_confirm"] as? Bool == true, "\(booked)")
        #expect(booked["confirm_by"] is String, "\(booked)")
        let request = try await waitFor("the e-mail asking b-1 to confirm", within: .seconds(60)) { try mails(to: "b-1@example.com").first }
        #expect(request.headers["subject"] == ["Please confirm your appointment at Salon Lumière"], "\(request.headers)")
        #expect(text(request).contains("Where: Rue de la Paix 1, Paris"), "\(text(request))")
        #expect(request.parts.contains { $0.method == "REQUEST" && $0.content.contains("STATUS:TENTATIVE") && $0.content.contains("LOCATION:Rue de la Paix 1\\, Paris") },
                "\(request.parts.map(\.content))")
        let start = try #require(text(request).range(of: "Please confirm it here: "), "\(text(request))").upperBound
        let confirm = String(text(request)[start...].prefix { !$0.isWhitespace })
        #expect(confirm.hasPrefix(publicURL + "/links/"), "\(confirm)")

        let report = try await Self.browse(gateway.baseURL + confirm.dropFirst(publicURL.count), screenshots: "confirm-link")
        #expect((report["before"] as? [String: Any])?["h1"] as? String == "Confirm your appointment", "\(report)")
        #expect(report["button"] as? String == "Confirm appointment" && report["focused_by_tab"] as? Bool == true, "\(report)")
        #expect((report["after"] as? [String: Any])?["h1"] as? String == "Your appointment is confirmed", "\(report)")
        #expect(try await core.heraldOK("booking", "show", "b-1", "--json").contains("\"confirmed\""))
        let confirmedHook = try await waitFor("the booking.confirmed webhook", within: .seconds(60)) {
            subscriber.requests.first { $0.json?["type"] as? String == "booking.confirmed" }
        }
        #expect(confirmedHook.verified == true)
        let acknowledgement = try await waitFor("the acknowledgement of b-1", within: .seconds(60)) {
            try mails(to: "b-1@example.com").first { $0.headers["subject"] == ["Your appointment at Salon Lumière is confirmed"] }
        }
        #expect(!text(acknowledgement).contains("Please confirm"), "\(text(acknowledgement))")
        #expect(acknowledgement.parts.contains { $0.method == "REQUEST" && $0.content.contains("STATUS:CONFIRMED") })

        // Nobody confirms b-2: at its deadline the desk and the webhook hear of it; it stays pending.
        _ = try await book("b-2", in: 80)
        let unconfirmedHook = try await waitFor("the booking.unconfirmed webhook", within: .seconds(90)) {
            subscriber.requests.first { $0.json?["type"] as? String == "booking.unconfirmed" }
        }
        #expect(unconfirmedHook.verified == true)
        let data = try #require(unconfirmedHook.json?["data"] as? [String: Any], "\(String(describing: unconfirmedHook.json))")
        #expect(data["booking_id"] as? String == "b-2" && data["status"] as? String == "pending", "\(data)")
        #expect(data["asked_to_confirm"] as? Bool == true && data["confirm_by"] == nil, "\(data)")
        let note = try await waitFor("the desk's note about b-2", within: .seconds(60)) {
            try mails(to: "desk@salon.example").first { text($0).contains("Booking b-2 is pending") }
        }
        #expect(note.headers["subject"]?.first?.hasPrefix("Booking pending: Ada Lovelace") == true, "\(note.headers)")
        #expect(try await core.heraldOK("booking", "show", "b-2", "--json").contains("\"pending\""))

        // With cancel_unconfirmed, b-3 is cancelled at its deadline, with the usual notice.
        _ = try await core.heraldOK("settings", "set", "salon", "--cancel-unconfirmed", "on")
        _ = try await book("b-3", in: 80)
        let cancellation = try await waitFor("b-3's cancellation notice", within: .seconds(90)) {
            try mails(to: "b-3@example.com").first { $0.parts.contains { $0.method == "CANCEL" } }
        }
        #expect(cancellation.headers["subject"] == ["Your appointment at Salon Lumière is cancelled"], "\(cancellation.headers)")
        #expect(try await core.heraldOK("booking", "show", "b-3", "--json").contains("\"cancelled\""))
        let events = try await core.heraldOrThrow(["events", "salon", "--booking", "b-3"])
        #expect(events.contains("booking.cancelled") && !events.contains("booking.unconfirmed"), "\(events)")

        #expect(try await webhooks.stop() == 0)
        #expect(try await gateway.stop() == 0)
        #expect(try await email.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}
