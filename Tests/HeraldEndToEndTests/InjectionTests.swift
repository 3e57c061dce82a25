import Foundation
import HeraldTesting
import Testing

/// Hostile text in every field the CLI takes, end to end: it is refused with
/// an error naming the field, or stored and sent as the plain text it is.
/// Never a header, a recipient, a SQL statement or template source.
@Suite("injection attempts are refused or harmless", .timeLimit(.minutes(5)))
struct InjectionTests {
    static let evil = "evil@attacker.example"

    /// Line breaks of every kind, in every field that could reach a mail header,
    /// are refused before anything is stored; what does get through (a customer
    /// name full of Mustache and header-like text) arrives at a real SMTP server
    /// as text, to the one recipient, with no extra header.
    @Test func lineBreaksNeverReachTheSMTPServerAndNamesAreNeverTemplates() async throws {
        let (core, peer, channel) = try await EmailChannelTests.setUp()
        let start = iso8601(Date().addingTimeInterval(3 * 86400))
        let before = try await core.heraldOK("settings", "show", "salon", "--json")
        let refusals: [(arguments: [String], field: String)] = [
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com", "--name", "Eve\r\nBcc: \(Self.evil)"], "customer_name"),
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com", "--name", "Eve\u{2028}Bcc: \(Self.evil)"], "customer_name"),
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com", "--name", "Eve\u{85}Bcc: \(Self.evil)"], "customer_name"),
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com\r\nBcc: \(Self.evil)"], "customer_email"),
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com>\r\nRCPT TO:<\(Self.evil)"], "customer_email"),
            (["booking", "create", "salon", "--start", start, "--email", "ada@example.com,\(Self.evil)"], "customer_email"),
            (["settings", "set", "salon", "--sender-name", "Salon\r\nBcc: \(Self.evil)"], "sender_name"),
            (["settings", "set", "salon", "--reply-to", "desk@salon.example\r\nBcc: \(Self.evil)"], "reply_to_email"),
            (["template", "set", "salon", "confirmation", "email", "--subject", "Hi\r\nBcc: \(Self.evil)", "--body", "Hi"], "subject"),
            (["template", "set", "salon", "confirmation", "email", "--subject", "Hi\u{2028}Bcc: \(Self.evil)", "--body", "Hi"], "subject"),
            (["event-type", "create", "salon", "cut", "--name", "Cut\nBcc: \(Self.evil)"], "name"),
        ]
        for (arguments, field) in refusals {
            let result = try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == 1, "herald \(arguments): \(result)")
            #expect(result.stderr.contains(field), "herald \(arguments): \(result)")
            #expect(result.stdout.isEmpty, "herald \(arguments): \(result)")
        }
        #expect(try await core.heraldOK("settings", "show", "salon", "--json") == before)
        #expect(try await core.heraldOK("template", "list", "salon", "--json").contains(Self.evil) == false)

        // The name reaches the subject too, through the tenant's own template.
        try await core.heraldOK(
            "template", "set", "salon", "confirmation", "email", "--subject", "Booked: {{customer_name}}",
            "--body", "Hi {{customer_name}}, see you {{date}}.")
        let name = "{{#tenant}}{{secret}}{{/tenant}} {{> partial}} {{business_name}} Bcc: \(Self.evil)"
        try await EmailChannelTests.book(core, id: "b-1", name: name, email: "ada@example.com")
        try await eventually("the confirmation to arrive") { try !peer.messages().isEmpty }
        let mail = try #require(try peer.messages().first)
        #expect(mail.parsed.rcpt_tos == ["ada@example.com"])
        #expect(peer.recipientLog == ["250 ada@example.com"])
        #expect(mail.rawHeaders["bcc"] == nil, "\(mail.rawHeaders)")
        #expect(mail.parsed.headers["subject"] == ["Booked: \(name)"], "\(mail.parsed.headers)")
        // The long name travels as RFC 2047 encoded-words; Python's address parser keeps
        // the folding space between two of them (RFC 2047 §6.2 says to drop it), hence
        // the comparison without spaces.
        let to = try #require(mail.parsed.addresses["to"]?.first)
        #expect(mail.parsed.addresses["to"]?.count == 1 && to.address == "ada@example.com", "\(mail.parsed.addresses)")
        #expect(to.name.filter { $0 != " " } == name.filter { $0 != " " }, "\(to)")
        let text = try #require(mail.parsed.parts.first?.content)
        #expect(text.hasPrefix("Hi \(name), see you "), "rendered as template source: \(text)")
        #expect(mail.parsed.defects.isEmpty, "\(mail.parsed.defects)")

        #expect(try await channel.stop() == 0, "\(channel.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    /// SQL in any CLI field is an identifier that is refused or text that is
    /// stored as written; the database is intact afterwards.
    @Test func sqlInEveryCLIFieldIsStoredVerbatimOrRefused() async throws {
        let core = try await RunningCore.start()
        let sql = "x'); DROP TABLE bookings;--"
        let start = iso8601(Date().addingTimeInterval(3 * 86400))
        func herald(_ arguments: String...) async throws -> CommandResult {
            try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
        }

        // Identifiers take letters, digits, "_", "-" and "." only.
        for arguments in [
            ["tenant", "create", sql, "--name", "X"],
            ["tenant", "create", "' OR '1'='1", "--name", "X"],
        ] {
            let result = try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == 1 && result.stderr.contains("id"), "herald \(arguments): \(result)")
        }
        try await core.heraldOK("tenant", "create", "salon", "--name", sql)
        try await core.heraldOK("event-type", "create", "salon", "cut", "--name", "Cut'; DELETE FROM event_types;--")
        let booking = try await core.heraldOK(
            "booking", "create", "salon", "--start", start, "--event-type", "cut", "--email", "o'reilly@example.com",
            "--name", sql).trimmingCharacters(in: .whitespacesAndNewlines)
        let refusedID = try await herald("booking", "create", "salon", "--start", start, "--id", "b1'; DELETE FROM bookings;--")
        #expect(refusedID.status == 1 && refusedID.stderr.contains("id"), "\(refusedID)")
        try await core.heraldOK("webhook", "add", "salon", "--url", "https://hooks.example.com/x?q=1');DROP%20TABLE%20webhooks;--")
        for lookup in [["booking", "show", "' OR 1=1 --"], ["schedule", "x' OR '1'='1"], ["events", "' OR 1=1 --"]] {
            let result = try await runHerald(lookup, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == 1, "herald \(lookup): \(result)")
            #expect(result.stdout.isEmpty, "herald \(lookup) found something: \(result)")
        }
        let log = try await herald("log", "--tenant", "' OR '1'='1", "--json")
        #expect(log.stdout.isEmpty || log.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(log)")

        // Stored as written.
        let tenant = try #require(try JSONSerialization.jsonObject(with: Data(try await core.heraldOK("tenant", "list", "--json").utf8)) as? [[String: Any]])
        #expect(tenant.map { $0["name"] as? String } == [sql])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(try await core.heraldOK("booking", "show", booking, "--json").utf8)) as? [String: Any])
        #expect(shown["customer_name"] as? String == sql, "\(shown)")
        #expect(shown["customer_email"] as? String == "o'reilly@example.com", "\(shown)")
        let types = try await core.heraldOK("event-type", "list", "salon", "--json")
        #expect(types.contains("Cut'; DELETE FROM event_types;--"), "\(types)")
        #expect(try await core.heraldOK("webhook", "list", "salon", "--json").contains("DROP%20TABLE%20webhooks"))
        #expect(try await core.stop() == 0)

        // The database is whole: every table there, one booking, integrity ok.
        let check = try await sqlite(core.databasePath, "PRAGMA integrity_check; SELECT count(*) FROM bookings; SELECT count(*) FROM event_types;")
        #expect(check == ["ok", "1", "1"], "\(check)")
    }

    /// Text fields, templates and URLs past their limits are refused with the
    /// limit named, and nothing is stored.
    @Test func oversizedInputsAreRefusedAndNothingIsStored() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let start = iso8601(Date().addingTimeInterval(3 * 86400))
        let huge = String(repeating: "A", count: 100_000)
        let cases: [(arguments: [String], mentions: String)] = [
            (["tenant", "create", "big", "--name", String(repeating: "N", count: 201)], "name: is longer than 200"),
            (["tenant", "create", String(repeating: "t", count: 65), "--name", "X"], "id"),
            (["booking", "create", "salon", "--start", start, "--name", String(repeating: "Ö", count: 201)], "customer_name: is longer than 200"),
            (["booking", "create", "salon", "--start", start, "--name", huge], "customer_name: is longer than 200"),
            (["booking", "create", "salon", "--start", start, "--email", String(repeating: "a", count: 250) + "@example.com"], "customer_email"),
            (["booking", "create", "salon", "--start", start, "--id", String(repeating: "b", count: 65)], "id"),
            (["settings", "set", "salon", "--sender-name", huge], "sender_name: is longer than 200"),
            (["event-type", "create", "salon", "cut", "--name", huge], "name: is longer than 200"),
            (["template", "set", "salon", "confirmation", "email", "--body", huge], "body: is longer than 20000"),
            (["template", "set", "salon", "confirmation", "email", "--subject", String(repeating: "S", count: 501), "--body", "x"], "subject: is longer than 500"),
            (["webhook", "add", "salon", "--url", "https://example.com/" + huge], "url"),
            (["team", "add", "salon", "--channel", "chat", "--to", "https://example.com/" + huge], "recipient"),
        ]
        for (arguments, mentions) in cases {
            let result = try await runHerald(arguments, environment: ["HERALD_CORE": core.adminEndpoint])
            #expect(result.status == 1, "herald \(arguments.map { $0.prefix(40) }): \(result.stderr.prefix(300))")
            #expect(result.stderr.contains(mentions), "herald \(arguments.map { $0.prefix(40) }): \(result.stderr.prefix(300))")
            #expect(result.stderr.utf8.count < 2000, "the error repeats the input: \(result.stderr.prefix(300))")
        }
        for list in [["tenant", "list"], ["booking", "list", "salon", "--all"], ["event-type", "list", "salon"], ["webhook", "list", "salon"],
                     ["team", "list", "salon"]] {
            let json = try await runHerald(list + ["--json"], environment: ["HERALD_CORE": core.adminEndpoint]).stdout
            let count = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])?.count
            #expect(count == (list[0] == "tenant" ? 1 : 0), "herald \(list): \(json.prefix(300))")
        }
        let templates = try await core.heraldOK("template", "list", "salon", "--json")
        #expect(!templates.contains("AAAAAAAAAA"), "an oversized template was stored")
        #expect(try await core.stop() == 0)
    }
}

extension InjectionTests {
    /// Webhook URLs that lead into the operator's network are refused before a
    /// connection, whatever their spelling, and a redirect is not followed.
    @Test func webhooksToPrivateTargetsAndRedirectsAreRefused() async throws {
        let core = try await RunningCore.start()
        let peer = try await RunningPeer.start(
            "webhook_peer.py", directory: core.directory, arguments: ["--secret-file", "/nonexistent"])
        try await core.createTenant("salon")
        _ = try await core.heraldOrThrow(["settings", "set", "salon", "--email", "off"])
        let targets: [(url: String, mentions: [String])] = [
            ("http://10.1.2.3/hook", ["10.1.2.3", "private"]),
            ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254", "link-local"]),
            ("http://[::1]:\(peer.port)/hook/200", ["::1", "loopback"]),
            ("http://127.0.0.2:\(peer.port)/hook/200", ["127.0.0.2", "loopback"]),
            ("http://0x7f000002:\(peer.port)/hook/200", ["127.0.0.2", "loopback"]),
            // Allowed (127.0.0.1 is on the allow-list), but it answers with a redirect to the metadata service.
            ("\(peer.baseURL)/hook/302", ["302", "redirect"]),
        ]
        var ids: [String: String] = [:]
        for target in targets {
            let added = try await core.heraldOrThrow(["webhook", "add", "salon", "--url", target.url, "--events", "booking.created", "--json"])
            let id = try #require((try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any])?["id"] as? String)
            ids[id] = target.url
        }
        let channel = try await ProviderChannel.start("herald-webhook", core: core, environment: ["HERALD_WEBHOOK_ALLOW": "127.0.0.1"])
        try await core.createBooking("salon", id: "b-1")

        var rows: [LogRow] = []
        try await eventually("every webhook delivery to end", within: .seconds(60)) {
            rows = try await core.log(tenant: "salon").filter { $0.channel == "webhook" }
            return rows.count == targets.count
        }
        for target in targets {
            let row = try #require(rows.first { $0.recipient == target.url || ids[$0.recipient] == target.url }, "\(target.url): \(rows)")
            #expect(row.outcome == "failed", "\(target.url): \(row)")
            #expect(row.attempts == 1, "\(target.url): \(row)")
            for word in target.mentions {
                #expect(row.error.contains(word), "\(target.url): \(row)")
            }
        }
        // Only the allowed address was ever connected to, once, and the Location was not followed.
        #expect(peer.requests.map(\.path) == ["/hook/302"], "\(peer.requests)")
        #expect(try await channel.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}

/// Runs the `sqlite3` shell on a database and returns its output lines.
func sqlite(_ path: String, _ sql: String) async throws -> [String] {
    let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [path, sql])
    #expect(try await child.waitForExit() == 0, "\(child.stderr)")
    return child.stdout.split(separator: "\n").map(String.init)
}
