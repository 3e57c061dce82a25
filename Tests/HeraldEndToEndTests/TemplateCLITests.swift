import Foundation
import Testing

/// `herald template` against a running heraldd, and the tenant's wording
/// arriving in what a channel is handed.
@Suite("templates through the CLI", .timeLimit(.minutes(5)))
struct TemplateCLITests {
    @Test func aTenantTemplateIsCheckedWhenSetPreviewedAndUsedForDeliveries() async throws {
        let core = try await RunningCore.start()
        try await core.createTenant("salon")
        try await core.heraldOK(
            "settings", "set", "salon", "--timezone", "Europe/Berlin", "--locale", "de_DE", "--sender-name", "Studio Nord")

        // Refused when set, with the field at fault; nothing stored.
        let broken = try await core.herald(
            "template", "set", "salon", "confirmation", "email", "--body", "Hallo {{#service}}")
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("body: does not parse"), "\(broken.stderr)")
        let unknown = try await core.herald(
            "template", "set", "salon", "confirmation", "email", "--body", "Hallo {{kunde}}")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("{{kunde}}"), "\(unknown.stderr)")

        let bodyFile = core.directory.appendingPathComponent("body.txt")
        try "Hallo {{customer_first_name}},\n\nIhr Termin am {{date}} um {{time}} Uhr ist bestätigt.".write(
            to: bodyFile, atomically: true, encoding: .utf8)
        try await core.heraldOK(
            "template", "set", "salon", "confirmation", "email", "--subject", "Termin bei {{business_name}} bestätigt",
            "--body", "@" + bodyFile.path)

        let list = try await core.heraldOK("template", "list", "salon", "--json")
        let listed = try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any]
        let templates = listed?["templates"] as? [[String: Any]] ?? []
        let own = templates.filter { $0["is_default"] as? Bool == false }
        #expect(own.count == 1)
        #expect(own.first?["kind"] as? String == "confirmation")

        let preview = try await core.heraldOK("template", "preview", "salon", "confirmation", "email")
        #expect(preview.hasPrefix("Subject: Termin bei Studio Nord bestätigt"), "\(preview)")
        #expect(preview.contains("Hallo Alex,"), "\(preview)")
        #expect(preview.contains("um 10:00 Uhr"), "\(preview)")

        // A real booking's confirmation carries the tenant's wording, in Berlin time:
        // 2030-01-15 09:30 UTC is 10:30 in winter (CET).
        let outbox = core.directory.appendingPathComponent("outbox")
        let worker = try await RunningChannel.start(
            "email-outbox", core: core, directory: core.directory, arguments: ["--outbox", outbox.path])
        _ = try await core.heraldOrThrow([
            "booking", "create", "salon", "--id", "b-1", "--start", "2030-01-15T09:30:00Z",
            "--email", "ada@example.com", "--name", "Ada Lovelace",
        ])
        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.kind == "confirmation" })
        let file = outbox.appendingPathComponent(row.job_id + ".json")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        let message = record?["message"] as? [String: Any]
        #expect(message?["subject"] as? String == "Termin bei Studio Nord bestätigt")
        let text = message?["text"] as? String ?? ""
        #expect(text.contains("Hallo Ada,"), "\(text)")
        #expect(text.contains("um 10:30 Uhr"), "\(text)")
        let html = (message?["html"] as? String) ?? ""
        #expect(html.contains("<p>Hallo Ada,</p>"), "\(html)")

        // Reset: the default wording applies again.
        try await core.heraldOK("template", "reset", "salon", "confirmation", "email")
        let after = try await core.heraldOK("template", "preview", "salon", "confirmation", "email")
        #expect(after.contains("Your appointment at Studio Nord is confirmed"), "\(after)")

        #expect(try await worker.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}
