import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

@Suite("admin service: templates and webhook secrets")
struct AdminTemplateTests {
    typealias Service = AdminServiceTests

    func expectInvalid(
        _ fields: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch let error as AdminError {
            #expect(error.code == .invalidArgument, sourceLocation: sourceLocation)
            #expect(error.violations.map(\.field) == fields, "\(error.violations)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aTemplateSetIsListedPreviewedAndReset() async throws {
        try await Service.withService { service, _, _, _ in
            let set = try await service.setTemplate(.with {
                $0.tenantID = "salon"
                $0.kind = "reminder"
                $0.channel = "email"
                $0.subject = "See you {{reminder}}"
                $0.body = "Hi {{customer_first_name}}, {{date}} at {{time}}."
            })
            #expect(!set.isDefault)

            let list = try await service.listTemplates(.with { $0.tenantID = "salon" })
            #expect(list.templates.count == MessageTemplate.kinds.count * MessageTemplate.channels.count)
            let own = list.templates.filter { !$0.isDefault }
            #expect(own.map { "\($0.kind)/\($0.channel)" } == ["reminder/email"])
            #expect(list.variables.contains { $0.name == "customer_first_name" })

            let preview = try await service.previewTemplate(.with {
                $0.tenantID = "salon"
                $0.kind = "reminder"
                $0.channel = "email"
                $0.reminderOffsetMinutes = 60
            })
            #expect(!preview.isDefault)
            #expect(preview.message.subject == "See you in 1 hour")
            #expect(preview.message.textBody.hasPrefix("Hi Alex, "))
            // The sample booking is at 10:00 in the tenant's zone (Europe/Berlin).
            #expect(preview.message.textBody.contains("10:00"), "\(preview.message.textBody)")

            _ = try await service.deleteTemplate(.with { $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "email" })
            let after = try await service.previewTemplate(.with { $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "email" })
            #expect(after.isDefault)
            await #expect(throws: AdminError.self) {
                _ = try await service.deleteTemplate(.with { $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "email" })
            }
        }
    }

    @Test func previewRendersARealBookingOfTheTenantOnly() async throws {
        try await Service.withService { service, _, _, _ in
            let booking = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.customerName = "Grace Hopper"
                $0.customerEmail = "grace@example.com"
                $0.startAt = Service.at(minutes: 3 * 24 * 60)
            })
            let preview = try await service.previewTemplate(.with {
                $0.tenantID = "salon"; $0.kind = "confirmation"; $0.channel = "sms"; $0.bookingID = booking.id
            })
            #expect(preview.message.textBody.contains("Hi Grace,"))
            _ = try await service.createTenant(.with { $0.id = "other"; $0.name = "Other" })
            await #expect(throws: AdminError.self) {
                _ = try await service.previewTemplate(.with {
                    $0.tenantID = "other"; $0.kind = "confirmation"; $0.channel = "sms"; $0.bookingID = booking.id
                })
            }
        }
    }

    @Test func badTemplatesAreRefusedWhenSetWithTheFieldAtFault() async throws {
        try await Service.withService { service, _, _, _ in
            await expectInvalid(["body"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"; $0.body = "Hi {{#service}}"
                })
            }
            await expectInvalid(["body"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"; $0.body = "Hi {{nme}}"
                })
            }
            await expectInvalid(["kind", "channel"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "webhook"; $0.channel = "Carrier Pigeon"; $0.body = "x"
                })
            }
            await expectInvalid(["body", "subject", "html_body"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"; $0.body = " "
                    $0.subject = "s"; $0.htmlBody = "<p>h</p>"
                })
            }
            await expectInvalid(["body"]) {
                _ = try await service.setTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"
                    $0.body = String(repeating: "x", count: 20_001)
                })
            }
            // Nothing was stored.
            let list = try await service.listTemplates(.with { $0.tenantID = "salon" })
            #expect(list.templates.allSatisfy { $0.isDefault })
        }
    }

    /// The console's preview of an edit: the draft rendered, checked as SetTemplate
    /// checks it, and stored nowhere.
    @Test func aDraftIsPreviewedWithoutBeingSaved() async throws {
        try await Service.withService { service, _, _, _ in
            let preview = try await service.previewTemplate(.with {
                $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"
                $0.draft = .with { $0.body = "Draft for {{customer_first_name}} at {{time}}" }
            })
            #expect(preview.message.textBody.hasPrefix("Draft for "), "\(preview.message.textBody)")
            #expect(!preview.isDefault)
            await expectInvalid(["body"]) {
                _ = try await service.previewTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms"
                    $0.draft = .with { $0.body = "Hi {{nme}}" }
                })
            }
            await expectInvalid(["subject"]) {
                _ = try await service.previewTemplate(.with {
                    $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "email"
                    $0.draft = .with { $0.body = "x"; $0.subject = "two\nlines" }
                })
            }
            let list = try await service.listTemplates(.with { $0.tenantID = "salon" })
            #expect(list.templates.allSatisfy { $0.isDefault })
            // Without a draft, the stored template (here the default) as before.
            let stored = try await service.previewTemplate(.with { $0.tenantID = "salon"; $0.kind = "reminder"; $0.channel = "sms" })
            #expect(stored.isDefault && !stored.message.textBody.hasPrefix("Draft"))
        }
    }

    @Test func rotatingAWebhookSecretRevealsTheNewOneOnce() async throws {
        try await Service.withService { service, _, _, store in
            let hook = try await service.addWebhook(.with { $0.tenantID = "salon"; $0.url = "https://a.example/hook" })
            let rotated = try await service.rotateWebhookSecret(.with { $0.id = hook.id })
            #expect(rotated.secret.hasPrefix("whsec_"))
            #expect(rotated.secret != hook.secret)
            #expect(try await store.webhook(id: hook.id)?.secret == rotated.secret)
            await #expect(throws: AdminError.self) {
                _ = try await service.rotateWebhookSecret(.with { $0.id = "wh_missing" })
            }
        }
    }

    @Test func aWebhookIsDisabledAndEnabledAgain() async throws {
        try await Service.withService { service, _, _, store in
            let hook = try await service.addWebhook(.with { $0.tenantID = "salon"; $0.url = "https://a.example/hook" })
            let disabled = try await service.setWebhookEnabled(.with { $0.id = hook.id; $0.enabled = false })
            #expect(!disabled.enabled)
            #expect(try await store.webhook(id: hook.id)?.disabledReason == "disabled by an admin")
            let enabled = try await service.setWebhookEnabled(.with { $0.id = hook.id; $0.enabled = true })
            #expect(enabled.enabled)
            let stored = try await store.webhook(id: hook.id)
            #expect(stored?.enabled == true)
            #expect(stored?.disabledReason == nil)
        }
    }

    @Test func aWebhookTestPingIsSignedContentForTheSubscription() async throws {
        try await Service.withService { service, _, _, _ in
            let hook = try await service.addWebhook(.with { $0.tenantID = "salon"; $0.url = "https://a.example/hook" })
            let answer = try await service.testWebhook(.with { $0.id = hook.id }) { delivery, _ in
                #expect(delivery.channel == "webhook")
                #expect(delivery.webhook.url == "https://a.example/hook")
                #expect(delivery.webhook.secret == hook.secret)
                #expect(delivery.webhook.eventType == "webhook.test")
                let body = try? JSONSerialization.jsonObject(with: delivery.webhook.body) as? [String: Any]
                #expect(body?["type"] as? String == "webhook.test")
                return .answered(.with {
                    $0.deliveryID = delivery.deliveryID
                    $0.outcome = .failed
                    $0.errorCode = "410"
                }, elapsed: .milliseconds(12))
            }
            #expect(answer.outcome == .failed)
            #expect(answer.errorCode == "410")
            #expect(answer.elapsedMs == 12)
            await #expect(throws: AdminError.self) {
                _ = try await service.testWebhook(.with { $0.id = hook.id }) { _, _ in .noWorker(channel: "webhook") }
            }
        }
    }
}
