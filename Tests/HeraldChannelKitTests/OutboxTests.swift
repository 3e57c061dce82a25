import Foundation
import HeraldChannelKit
import HeraldTesting
import Testing
@testable import HeraldChannelKit

@Suite("--outbox writes deliveries to files instead of sending them")
struct OutboxTests {
    @Test func writesOneJSONFilePerDeliveryAndReportsProviderOutbox() async throws {
        let temporary = try TemporaryDirectory(prefix: "herald-outbox")
        let directory = temporary.url
        let outbox = OutboxPlugin(standingInFor: ScriptedPlugin(channel: "sms"), directory: directory)
        try outbox.checkConfiguration()

        try await withRunner(outbox) { core, _, _ in
            let register = try await core.waitFor("a Register") { $0.lazy.compactMap(\.register).first }
            #expect(register.channel == "sms")
            #expect(register.provider == "outbox")
            #expect(register.standsInFor == "fake")  // so the core hands it the jobs meant for "fake"
            let peer = try await core.acceptRegistration()
            core.send(.delivery(makeDelivery("dlv-42", attempt: 3)), to: peer)

            let result = try await core.result(for: "dlv-42")
            #expect(result.outcome == .sent)
            #expect(result.provider == "outbox")
            #expect(result.providerMessageID == "outbox:dlv-42.json")
        }

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["dlv-42.json"])  // and no temporary file left behind
        let data = try Data(contentsOf: directory.appendingPathComponent("dlv-42.json"))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(record["delivery_id"] as? String == "dlv-42")
        #expect(record["attempt"] as? Int == 3)
        #expect(record["channel"] as? String == "sms")
        #expect(record["kind"] as? String == "reminder")
        #expect(record["tenant_id"] as? String == "t-1")
        #expect(record["booking_id"] as? String == "b-1")
        #expect((record["recipient"] as? [String: Any])?["phone"] as? String == "+441632960001")
        #expect((record["message"] as? [String: Any])?["text"] as? String == "Your appointment is tomorrow at 10:00.")
        #expect(record["written_at"] is String)
        let json = try #require(String(data: data, encoding: .utf8))
        #expect(json.contains("\"delivery_id\" : \"dlv-42\""))
    }

    /// An outbox standing in for a program with provider accounts registers their names
    /// and senders (no rate: nothing reaches the provider) and records the account.
    @Test func anOutboxTakesTheStoodInProgramsAccounts() async throws {
        let temporary = try TemporaryDirectory(prefix: "herald-outbox")
        let path = try temporary.write("accounts.json", """
            {"accounts": [{"name": "salon", "ECHO_SENDER": "+1555", "rate_per_second": 2}]}
            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let accounts = AccountsPlugin<SenderEchoPlugin>(environment: ["ECHO_SENDER": "+1000"], file: path)
        try accounts.checkConfiguration()
        let outbox = OutboxPlugin(standingInFor: accounts, directory: temporary.url.appendingPathComponent("out"))
        #expect(outbox.accounts.map(\.name) == ["default", "salon"])
        #expect(outbox.accounts.map(\.senders) == [["+1000"], ["+1555"]])
        #expect(outbox.accounts.allSatisfy { $0.ratePerSecond == 0 && $0.recipientGapMs == 0 })
        try outbox.checkConfiguration()
        var delivery = makeDelivery("dlv-7", attempt: 1)
        delivery.account = "salon"
        #expect(await outbox.send(delivery) == .sent(providerMessageID: "outbox:dlv-7.json"))
        let data = try Data(contentsOf: temporary.url.appendingPathComponent("out/dlv-7.json"))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(record["account"] as? String == "salon")
    }

    @Test func aWebhookIsWrittenWithoutItsSecret() async throws {
        let temporary = try TemporaryDirectory(prefix: "herald-outbox")
        let directory = temporary.url
        let outbox = OutboxPlugin(channel: "webhook", version: "1", directory: directory)
        try outbox.checkConfiguration()
        let delivery = Herald_V1_Delivery.with {
            $0.deliveryID = "wh-1"
            $0.attempt = 1
            $0.kind = .webhook
            $0.webhook = .with {
                $0.url = "https://example.com/hook"
                $0.secret = "whsec_c2VjcmV0"
                $0.body = Data(#"{"type":"booking.created"}"#.utf8)
            }
        }
        #expect(await outbox.send(delivery) == .sent(providerMessageID: "outbox:wh-1.json"))
        let text = try String(contentsOf: directory.appendingPathComponent("wh-1.json"), encoding: .utf8)
        #expect(text.contains("https://example.com/hook"))
        #expect(text.contains("booking.created"))
        #expect(!text.contains("whsec_"))
    }

    @Test func anUnwritableOutboxAnswersRetryNotSent() async throws {
        let outbox = OutboxPlugin(channel: "sms", version: "1", directory: URL(fileURLWithPath: "/nonexistent/herald-outbox"))
        guard case .retry(_, let code, _) = await outbox.send(makeDelivery("d-1")) else {
            Issue.record("expected RETRY")
            return
        }
        #expect(code == "outbox_write")
    }

    @Test func fileNamesCannotLeaveTheDirectory() {
        #expect(OutboxPlugin.fileName(for: "abc-123") == "abc-123.json")
        #expect(OutboxPlugin.fileName(for: "../../etc/passwd") == "_.._.._etc_passwd.json")
        #expect(OutboxPlugin.fileName(for: ".hidden") == "_.hidden.json")
        #expect(OutboxPlugin.fileName(for: "") == "_.json")
    }
}
