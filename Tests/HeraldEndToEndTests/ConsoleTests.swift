import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing

/// The web console (issue 20): a real headless browser walks it as the front desk
/// would (Tests/Peers/console_browser.py), and plain HTTP checks what a browser
/// hides: cookie attributes, CSRF refusals, a revoked key's session, JSON pages.
@Suite("The web console", .timeLimit(.minutes(6)))
struct ConsoleTests {
    /// A customer whose name is HTML and script: every page must show it as text.
    static let hostileName = "Zoë O'Brien <script>alert(1)</script> & <b>Co</b>"
    static let longName = String(repeating: "Bartholomew-", count: 15) + "Long"

    /// A tenant "salon" with an e-mail channel on a real SMTP peer, a second tenant
    /// "clinic", a key of each, and bookings: the hostile name's (confirmation sent),
    /// a long name's, and the clinic's.
    struct Setup {
        var core: RunningCore
        var smtp: SMTPPeer
        var email: ProviderChannel
        var gateway: RunningGateway
        var salonKey: String
        var salonKeyID: String
        var clinicBooking = "clinic-1"
    }

    static func setUp(_ name: String) async throws -> Setup {
        let core = try await RunningCore.start()
        let smtp = try await SMTPPeer.start(
            in: core.directory, mode: .starttls, user: EmailChannelTests.user, password: EmailChannelTests.password)
        let email = try await RunningEmailChannel.start(name, core: core, environment: EmailChannelTests.environment(smtp))
        let gateway = try await RunningGateway.start(core: core)
        for tenant in ["salon", "clinic"] {
            _ = try await core.heraldOK("tenant", "create", tenant, "--name", tenant.capitalized)
        }
        let created = try await core.heraldOK("apikey", "create", "salon", "--name", "front desk", "--json")
        let key = try #require(try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])
        // Today at the front desk: later today in UTC (the tenants' zone), or tomorrow
        // just after midnight when the day is nearly over.
        let soon = Date().addingTimeInterval(2 * 3600)
        _ = try await core.heraldOK(
            "booking", "create", "salon", "--id", "b-hostile", "--start", iso8601(soon),
            "--email", "zoe@example.com", "--name", hostileName)
        _ = try await core.heraldOK(
            "booking", "create", "salon", "--id", "b-long", "--start", iso8601(soon.addingTimeInterval(3600)),
            "--phone", "+15555550100", "--name", longName)
        _ = try await core.heraldOK(
            "booking", "create", "clinic", "--id", "clinic-1", "--start", iso8601(soon),
            "--email", "patient@example.com", "--name", "Clinic Patient")
        try await eventually("the confirmation of b-hostile sent", within: .seconds(60)) {
            try await core.log(tenant: "salon").contains { $0.booking_id == "b-hostile" && $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        return Setup(
            core: core, smtp: smtp, email: email, gateway: gateway,
            salonKey: try #require(key["key"] as? String), salonKeyID: try #require(key["id"] as? String))
    }

    @Test func theFrontDeskFindsAndCancelsABookingInARealBrowser() async throws {
        let setup = try await Self.setUp("email-console-browser")
        let admin = try await setup.core.heraldOK("apikey", "create", "--role", "admin", "--json")
        let adminKey = try #require((try JSONSerialization.jsonObject(with: Data(admin.utf8)) as? [String: Any])?["key"] as? String)
        let directory = LinkTests.artefacts.appendingPathComponent("console")
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let run = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [python, RunningPeer.scripts.appendingPathComponent("console_browser.py").path,
             "--base", setup.gateway.baseURL, "--key", setup.salonKey, "--customer", Self.hostileName,
             "--other-booking", "/console/bookings/\(setup.clinicBooking)", "--screenshot-dir", directory.path,
             "--admin-key", adminKey, "--admin-tenant", "clinic"])
        let status = try await run.waitForExit(within: .seconds(240))
        print("console screenshots: \(directory.path)")
        #expect(status == 0, "console_browser.py: \(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        func page(_ name: String) -> [String: Any] { report[name] as? [String: Any] ?? [:] }
        func text(_ name: String) -> String { page(name)["text"] as? String ?? "" }

        #expect((page("sign_in")["url"] as? String)?.hasSuffix("/console/sign-in") == true, "\(page("sign_in"))")
        #expect((page("bookings")["h1"] as? String)?.hasPrefix("Today") == true, "\(page("bookings"))")
        let cookie = report["cookie"] as? [String: Any] ?? [:]
        #expect(cookie["httpOnly"] as? Bool == true && cookie["sameSite"] as? String == "Strict" && cookie["path"] as? String == "/console",
                "\(cookie)")

        // Found by name; the name is text on every page, never markup.
        #expect(page("search")["matches"] as? Int == 1, "\(page("search"))")
        #expect((page("booking")["h1"] as? String) == "Booking of \(Self.hostileName)", "\(page("booking"))")
        let timeline = page("booking")["timeline"] as? [[String]] ?? []
        #expect(timeline.contains { $0.count > 4 && $0[1] == "confirmation" && $0[4].contains("sent") }, "\(timeline)")

        // Cancelled from the page, after the question; the notice goes out.
        #expect(page("confirm")["h1"] as? String == "Cancel this booking?", "\(page("confirm"))")
        #expect(text("confirm").contains("Closed for the holiday"))
        #expect(page("cancelled")["status"] as? String == "cancelled", "\(page("cancelled"))")
        #expect(text("cancelled").contains("The booking is cancelled"))
        let after = page("cancelled")["timeline"] as? [[String]] ?? []
        #expect(after.contains { $0.count > 4 && $0[1] == "cancellation" && $0[4].contains("sent") }, "\(after)")
        let booking = try await setup.core.heraldOK("booking", "show", "b-hostile", "--json")
        #expect(booking.contains("\"cancelled\""), "\(booking)")
        let mails = try setup.smtp.messages().filter { $0.parsed.rcpt_tos == ["zoe@example.com"] }
        #expect(mails.count == 2, "the confirmation and the cancellation notice: \(mails.count)")

        // Another tenant's booking is not there for this key.
        #expect(page("other_tenant")["h1"] as? String == "Not Found", "\(page("other_tenant"))")
        #expect(!text("other_tenant").contains("Clinic Patient"))

        for name in ["sign_in", "bookings", "search", "booking", "confirm", "cancelled", "other_tenant", "log", "log-failed",
                     "attention", "settings", "templates", "template", "upcoming", "all", "preview", "no_csrf", "signed_out"] {
            #expect(page(name)["scripts"] as? Int == 0, "\(name) has a script")
            #expect((page(name)["unlabelled"] as? [String])?.isEmpty == true, "\(name): \(page(name))")
        }
        #expect(text("log").contains("confirmation") && text("log").contains("b-hostile"), "\(text("log"))")
        #expect(text("upcoming").contains(Self.longName) && text("upcoming").contains(Self.hostileName) == false)
        #expect(text("all").contains(Self.hostileName), "\(text("all"))")
        #expect(page("settings")["h1"] as? String == "Settings" && page("templates")["h1"] as? String == "Templates")
        #expect(page("attention")["h1"] as? String == "Needs attention")
        let preview = page("preview")["rendered"] as? String ?? ""
        #expect(preview.hasPrefix("Hi ") && preview.contains("Draft, not saved."), "\(preview)")
        let templates = try await setup.core.heraldOK("template", "list", "salon")
        #expect(!templates.contains("Draft, not saved."), "a preview saves nothing")

        // A form without its token is refused and changes nothing.
        #expect(page("no_csrf")["h1"] as? String == "Forbidden" && text("no_csrf").contains("out of date"), "\(page("no_csrf"))")

        // Signed out: the bookings send the browser to sign in, and the old cookie is dead.
        #expect((page("after_sign_out")["url"] as? String)?.contains("/console/sign-in") == true, "\(page("after_sign_out"))")
        let old = try #require(cookie["value"] as? String)
        let replay = try await setup.gateway.request("GET", "/console/bookings", headers: [HTTPHeader("Cookie", "herald_console=\(old)")])
        #expect(replay.status == 303 && replay.response.header("Location")?.hasPrefix("/console/sign-in") == true, "\(replay)")
        // The operator: workers on the channels page, the clinic's bookings once picked,
        // every tenant's log.
        let workers = page("channels")["workers"] as? [[String]] ?? []
        #expect(workers.contains { $0.first == "email" }, "\(page("channels"))")
        #expect(text("picked").contains("Clinic Patient") && !text("picked").contains("Bartholomew"), "\(text("picked"))")
        #expect(text("admin_log").contains("b-hostile") && text("admin_log").contains("clinic-1"), "\(text("admin_log"))")
        for name in ["channels", "picked", "admin_log"] {
            #expect(page(name)["scripts"] as? Int == 0 && (page(name)["unlabelled"] as? [String])?.isEmpty == true, "\(name): \(page(name))")
        }
        for name in ["01-sign-in.png", "04-booking.png", "06-booking-cancelled.png", "21-channels.png"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name)")
        }
    }

    /// Signs in over plain HTTP as a browser would: the sign-in form's token and its
    /// cookie, then the key. Returns the session cookie's value and the page's CSRF token.
    static func signIn(_ gateway: RunningGateway, key: String) async throws -> (cookie: String, csrf: String) {
        let form = try await gateway.request("GET", "/console/sign-in")
        let token = try #require(cookieValue(form, "herald_console_sign_in"), "\(form.response.headers)")
        #expect(hiddenCSRF(form.text) == token)
        let answer = try await gateway.request(
            "POST", "/console/sign-in", rawBody: Data("csrf=\(token)&api_key=\(key)".utf8),
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded"), HTTPHeader("Cookie", "herald_console_sign_in=\(token)")])
        #expect(answer.status == 303, "\(answer)")
        let cookie = try #require(cookieValue(answer, "herald_console"), "\(answer.response.headers)")
        let page = try await gateway.request("GET", "/console/settings", headers: [HTTPHeader("Cookie", "herald_console=\(cookie)")])
        return (cookie, try #require(hiddenCSRF(page.text), "\(page)"))
    }

    static func setCookies(_ answer: GatewayAnswer) -> [String] {
        answer.response.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value)
    }

    static func cookieValue(_ answer: GatewayAnswer, _ name: String) -> String? {
        setCookies(answer).first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    static func hiddenCSRF(_ html: String) -> String? {
        guard let start = html.range(of: "name=\"csrf\" value=\"")?.upperBound else { return nil }
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func sessionsFormsAndPagesOverHTTP() async throws {
        let setup = try await Self.setUp("email-console-http")
        let gateway = setup.gateway
        let form = HTTPHeader("Content-Type", "application/x-www-form-urlencoded")

        // Signed out: pages send to sign-in, JSON answers 401.
        let signedOut = try await gateway.request("GET", "/console/bookings")
        #expect(signedOut.status == 303 && signedOut.response.header("Location") == "/console/sign-in", "\(signedOut)")
        #expect(try await gateway.request("GET", "/console/bookings?format=json").status == 401)

        // The sign-in form needs its own token and cookie; a wrong key is refused.
        let noCookie = try await gateway.request("POST", "/console/sign-in", rawBody: Data("csrf=x&api_key=\(setup.salonKey)".utf8), headers: [form])
        #expect(noCookie.status == 403 && Self.cookieValue(noCookie, "herald_console") == nil, "\(noCookie)")
        // A sign-in cookie that is not one of ours is replaced, not echoed.
        let forged = try await gateway.request("GET", "/console/sign-in", headers: [HTTPHeader("Cookie", "herald_console_sign_in=x%0d%0aSet-Cookie")])
        #expect(forged.status == 200 && Self.cookieValue(forged, "herald_console_sign_in")?.count == 43, "\(forged.response.headers)")
        let page = try await gateway.request("GET", "/console/sign-in")
        let token = try #require(Self.cookieValue(page, "herald_console_sign_in"))
        let wrong = try await gateway.request(
            "POST", "/console/sign-in", rawBody: Data("csrf=\(token)&api_key=hk_wrong".utf8),
            headers: [form, HTTPHeader("Cookie", "herald_console_sign_in=\(token)")])
        #expect(wrong.status == 401 && wrong.text.contains("not valid") && Self.cookieValue(wrong, "herald_console") == nil, "\(wrong)")

        // Signed in: the cookie's attributes, the pages' headers.
        let signIn = try await gateway.request(
            "POST", "/console/sign-in", rawBody: Data("csrf=\(token)&api_key=\(setup.salonKey)".utf8),
            headers: [form, HTTPHeader("Cookie", "herald_console_sign_in=\(token)")])
        let setCookie = try #require(Self.setCookies(signIn).first { $0.hasPrefix("herald_console=") }, "\(signIn.response.headers)")
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"] {
            #expect(setCookie.contains(attribute), "\(setCookie)")
        }
        #expect(!setCookie.contains("Secure"), "plain HTTP on loopback: \(setCookie)")
        let (cookie, csrf) = try await Self.signIn(gateway, key: setup.salonKey)
        let session = HTTPHeader("Cookie", "herald_console=\(cookie)")
        let bookings = try await gateway.request("GET", "/console/bookings?view=all", headers: [session])
        #expect(bookings.status == 200)
        let policy = bookings.response.header("Content-Security-Policy") ?? ""
        #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "\(policy)")
        #expect(bookings.response.header("Cache-Control") == "no-store")

        // Hostile data is escaped in the HTML itself.
        let html = try await gateway.request("GET", "/console/bookings/b-hostile", headers: [session]).text
        #expect(!html.contains("<script>") && !html.contains("<b>Co</b>"), "\(html)")
        #expect(html.contains("Zoë O&#39;Brien &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;")
                    || html.contains("Zoë O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;"), "\(html)")

        // Every page is also JSON: the API's views.
        let json = try await gateway.request("GET", "/console/bookings?view=all&format=json", headers: [session]).json
        let listed = (json["bookings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(Set(listed) == ["b-hostile", "b-long"], "\(json)")
        let found = try await gateway.request("GET", "/console/bookings?q=bartholomew&format=json", headers: [session]).json
        #expect((found["bookings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["b-long"], "\(found)")
        let schedule = try await gateway.request("GET", "/console/bookings/b-hostile", headers: [session, HTTPHeader("Accept", "application/json")]).json
        #expect(((schedule["booking"] as? [String: Any])?["customer_name"] as? String) == Self.hostileName, "\(schedule)")
        let log = try await gateway.request("GET", "/console/log?outcome=sent&kind=confirmation&format=json", headers: [session]).json
        let rows = log["entries"] as? [[String: Any]] ?? []
        #expect(!rows.isEmpty && rows.allSatisfy { $0["outcome"] as? String == "sent" && $0["kind"] as? String == "confirmation" }, "\(log)")
        let none = try await gateway.request("GET", "/console/log?outcome=failed&format=json", headers: [session]).json
        #expect((none["entries"] as? [Any])?.isEmpty == true, "\(none)")
        // Pages: one row or booking each, then the next by the page's own link.
        func pages(_ path: String, _ list: String) async throws -> [String] {
            var seen: [String] = [], next: String? = path
            while let path = next, seen.count < 20 {
                let page = try await gateway.request("GET", path + "&format=json", headers: [session]).json
                seen += (page[list] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String) ?? ($0["id"] as? Int).map(String.init) }
                next = (page["next_href"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            }
            return seen
        }
        #expect(try await pages("/console/bookings?view=all&limit=1", "bookings") == ["b-long", "b-hostile"])
        let logIDs = try await pages("/console/log?limit=1", "entries")
        let allIDs = (try await gateway.request("GET", "/console/log?format=json", headers: [session]).json["entries"] as? [[String: Any]] ?? [])
            .compactMap { ($0["id"] as? Int).map(String.init) }
        #expect(logIDs.count >= 2 && logIDs == allIDs, "\(logIDs) against \(allIDs)")
        let badFilter = try await gateway.request("GET", "/console/log?since=yesterday", headers: [session])
        #expect(badFilter.status == 422 && badFilter.text.contains("since"), "\(badFilter)")

        // A tenant key sees its own tenant only; channels need an admin key.
        let other = try await gateway.request("GET", "/console/bookings/clinic-1", headers: [session])
        #expect(other.status == 404 && !other.text.contains("Clinic Patient"), "\(other)")
        #expect(try await gateway.request("GET", "/console/bookings?tenant=clinic", headers: [session]).status == 404)
        #expect(try await gateway.request("GET", "/console/channels", headers: [session]).status == 403)

        // Forms: without the token, or with another, refused and nothing changes.
        let before = try await setup.core.heraldOK("settings", "show", "salon", "--json")
        for body in ["sender_name=Forged", "csrf=\(String(csrf.reversed()))&sender_name=Forged"] {
            let refused = try await gateway.request("POST", "/console/settings", rawBody: Data(body.utf8), headers: [form, session])
            #expect(refused.status == 403, "\(refused)")
        }
        #expect(try await setup.core.heraldOK("settings", "show", "salon", "--json") == before)
        // With it, saved; a bad value is shown on the form and saves nothing.
        let saved = try await gateway.request(
            "POST", "/console/settings", rawBody: Data("csrf=\(csrf)&sender_name=Salon+Lumi%C3%A8re&timezone=Europe%2FBerlin&reminder_minutes=1440%2C+60&email_enabled=on".utf8),
            headers: [form, session])
        #expect(saved.status == 303 && saved.response.header("Location") == "/console/settings?done=settings", "\(saved)")
        let settings = try await setup.core.heraldOK("settings", "show", "salon", "--json")
        #expect(settings.contains("Salon Lumière") && settings.contains("Europe/Berlin"), "\(settings)")
        let invalid = try await gateway.request(
            "POST", "/console/settings", rawBody: Data("csrf=\(csrf)&timezone=Mars%2FOlympus&email_enabled=on".utf8), headers: [form, session])
        #expect(invalid.status == 422 && invalid.text.contains("Nothing was saved") && invalid.text.contains("timezone"), "\(invalid)")
        #expect(try await setup.core.heraldOK("settings", "show", "salon", "--json").contains("Europe/Berlin"))

        // A template: a refused draft keeps the text and says why; a saved one is used.
        let draft = try await gateway.request(
            "POST", "/console/templates/reminder/sms", rawBody: Data("csrf=\(csrf)&intent=save&body=Hi+%7B%7Bcustomer_name".utf8),
            headers: [form, session])
        #expect(draft.status == 422 && draft.text.contains("Hi {{customer_name"), "\(draft)")
        let template = try await gateway.request(
            "POST", "/console/templates/reminder/sms", rawBody: Data("csrf=\(csrf)&intent=save&body=See+you+at+%7B%7Btime%7D%7D".utf8),
            headers: [form, session])
        #expect(template.status == 303, "\(template)")
        #expect(try await setup.core.heraldOK("template", "preview", "salon", "reminder", "sms").contains("See you at "))

        // A booking action needs its confirmation step: without `confirmed=yes` it only asks.
        let ask = try await gateway.request(
            "POST", "/console/bookings/b-long/cancel", rawBody: Data("csrf=\(csrf)".utf8), headers: [form, session])
        #expect(ask.status == 200 && ask.text.contains("Cancel this booking?"), "\(ask)")
        #expect(try await setup.core.heraldOK("booking", "show", "b-long", "--json").contains("\"confirmed\""))
        func start() async throws -> String? {
            let shown = try await setup.core.heraldOK("booking", "show", "b-long", "--json")
            return (try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])?["start_at"] as? String
        }
        let startBefore = try await start()
        let later = ConsoleTimeFormat.local(Date().addingTimeInterval(3 * 86400))
        let moved = try await gateway.request(
            "POST", "/console/bookings/b-long/reschedule", rawBody: Data("csrf=\(csrf)&start=\(later)&confirmed=yes".utf8),
            headers: [form, session])
        #expect(moved.status == 303 && moved.response.header("Location") == "/console/bookings/b-long?done=rescheduled", "\(moved)")
        let startAfter = try await start()
        #expect(startAfter != nil && startAfter != startBefore, "\(String(describing: startBefore)) → \(String(describing: startAfter))")

        // Needs attention: a failed e-mail, a suppressed recipient, a webhook turned off.
        _ = try await setup.core.heraldOK(
            "booking", "create", "salon", "--id", "b-refused", "--start", iso8601(Date().addingTimeInterval(86400 * 5)),
            "--email", "reject@example.com", "--name", "Refused Address")
        try await eventually("the refused confirmation logged failed", within: .seconds(60)) {
            try await setup.core.log(tenant: "salon").contains { $0.booking_id == "b-refused" && $0.outcome == "failed" }
        }
        _ = try await setup.core.heraldOK("suppression", "add", "salon", "--channel", "sms", "--to", "+15555550199", "--reason", "asked by phone")
        let hook = try await setup.core.heraldOK("webhook", "add", "salon", "--url", "https://hooks.example.com/h", "--json")
        let hookID = try #require((try JSONSerialization.jsonObject(with: Data(hook.utf8)) as? [String: Any])?["id"] as? String)
        _ = try await setup.core.heraldOK("webhook", "disable", hookID)
        let attention = try await gateway.request("GET", "/console/attention?format=json", headers: [session]).json
        #expect((attention["failed"] as? [[String: Any]])?.contains { $0["booking_id"] as? String == "b-refused" } == true, "\(attention)")
        #expect((attention["suppressed"] as? [[String: Any]])?.contains { $0["recipient"] as? String == "+15555550199" } == true, "\(attention)")
        #expect((attention["disabled_webhooks"] as? [[String: Any]])?.contains { $0["id"] as? String == hookID } == true, "\(attention)")
        let attentionPage = try await gateway.request("GET", "/console/attention", headers: [session]).text
        for expected in ["Failed notifications", "reject@example.com", "asked by phone", "hooks.example.com"] {
            #expect(attentionPage.contains(expected), "\(expected) not on the page")
        }

        // An admin key sees the channels and any tenant.
        let admin = try await setup.core.heraldOK("apikey", "create", "--role", "admin", "--json")
        let adminKey = try #require((try JSONSerialization.jsonObject(with: Data(admin.utf8)) as? [String: Any])?["key"] as? String)
        let (adminCookie, _) = try await Self.signIn(gateway, key: adminKey)
        let adminSession = HTTPHeader("Cookie", "herald_console=\(adminCookie)")
        let channels = try await gateway.request("GET", "/console/channels", headers: [adminSession])
        #expect(channels.status == 200 && channels.text.contains("email"), "\(channels)")
        let workers = try await gateway.request("GET", "/console/channels?format=json", headers: [adminSession]).json
        #expect((workers["workers"] as? [[String: Any]])?.contains { $0["channel"] as? String == "email" } == true, "\(workers)")
        #expect(try await gateway.request("GET", "/console/bookings/clinic-1", headers: [adminSession]).status == 200)
        let allLog = try await gateway.request("GET", "/console/log?format=json", headers: [adminSession]).json
        let tenants = Set((allLog["entries"] as? [[String: Any]] ?? []).compactMap { $0["tenant_id"] as? String })
        #expect(tenants == ["salon", "clinic"], "\(allLog)")

        // Revoking the key ends its sessions at once.
        _ = try await setup.core.heraldOK("apikey", "revoke", setup.salonKeyID)
        let revoked = try await gateway.request("GET", "/console/bookings", headers: [session])
        #expect(revoked.status == 303 && revoked.response.header("Location") == "/console/sign-in?ended=1", "\(revoked)")
        // A form posted on a page of the ended session is not acted on either.
        let late = try await gateway.request(
            "POST", "/console/bookings/b-long/cancel", rawBody: Data("csrf=\(csrf)&confirmed=yes".utf8), headers: [form, session])
        #expect(late.status == 303 && late.response.header("Location")?.hasPrefix("/console/sign-in") == true, "\(late)")
        #expect(try await setup.core.heraldOK("booking", "show", "b-long", "--json").contains("\"confirmed\""))
        #expect(try await gateway.request("GET", "/console/bookings", headers: [adminSession]).status == 200)
        // The gateway's log never carries a key or a session cookie.
        for secret in [setup.salonKey, adminKey, cookie, adminCookie] {
            #expect(!gateway.process.stderr.contains(secret) && !gateway.process.stdout.contains(secret))
        }
    }

    /// A reminder that could not go out in time (no SMS worker until past its
    /// deadline, `--late-grace 0.05`: 3 s) puts its booking on Needs attention.
    @Test func aBookingWithAMissedReminderNeedsAttention() async throws {
        let core = try await RunningCore.start(arguments: ["--late-grace", "0.05"])
        let gateway = try await RunningGateway.start(core: core)
        _ = try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        _ = try await core.heraldOK("settings", "set", "salon", "--sms", "on", "--email", "off", "--reminders", "1")
        let created = try await core.heraldOK("apikey", "create", "salon", "--json")
        let key = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["key"] as? String)
        // The reminder is due 1 minute before a start 70 s away: 10 s from now (room
        // enough for a slow `booking create`, which would otherwise plan it skipped).
        let due = Date().addingTimeInterval(10)
        _ = try await core.heraldOK(
            "booking", "create", "salon", "--id", "b-late", "--start", iso8601(due.addingTimeInterval(60)),
            "--phone", "+15555550123", "--name", "Late Larry")
        try await eventually("the reminder's deadline passing", within: .seconds(30)) { Date() > due.addingTimeInterval(4) }
        let sms = try await RunningChannel.start(
            "sms-late", core: core, directory: core.directory, arguments: ["--channel", "sms", "--provider", "twilio"])
        try await eventually("the reminder logged missed", within: .seconds(60)) {
            try await core.log(tenant: "salon").contains { $0.booking_id == "b-late" && $0.kind == "reminder" && $0.outcome == "missed" }
        }
        let (cookie, _) = try await Self.signIn(gateway, key: key)
        let session = HTTPHeader("Cookie", "herald_console=\(cookie)")
        let attention = try await gateway.request("GET", "/console/attention?format=json", headers: [session]).json
        let missed = attention["missed_bookings"] as? [[String: Any]] ?? []
        #expect(missed.map { $0["booking_id"] as? String } == ["b-late"], "\(attention)")
        let page = try await gateway.request("GET", "/console/attention", headers: [session]).text
        #expect(page.contains("Bookings with missed notifications") && page.contains("/console/bookings/b-late"), "\(page)")
        _ = sms
    }

    @Test func noConsoleServesNone() async throws {
        let core = try await RunningCore.start()
        let gateway = try await RunningGateway.start(core: core, arguments: ["--no-console"])
        #expect(try await gateway.request("GET", "/console/sign-in").status == 404)
        #expect(try await gateway.request("GET", "/healthz").status == 200)
        #expect(!gateway.process.stdout.contains("console="))
    }
}

/// The value of a `datetime-local` input for a time (read in the tenant's zone; days ahead, the zone does not matter).
enum ConsoleTimeFormat {
    static func local(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }
}
