import Foundation
@testable import HeraldCore
import Testing

@Suite("store contract: templates, webhook secrets and gone subscriptions")
struct TemplateAndWebhookContractTests {
    @Test(arguments: StoreFactory.all) func templatesAreSavedReplacedListedAndDeleted(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            var template = MessageTemplate(
                tenantID: "acme", kind: .reminder, channel: "sms", body: "Hi {{customer_name}}", updatedAt: Fixture.now)
            try await store.saveTemplate(template)
            template.body = "Hello {{customer_name}}"
            template.updatedAt = Fixture.minutes(1)
            try await store.saveTemplate(template)
            let email = MessageTemplate(
                tenantID: "acme", kind: .confirmation, channel: "email", subject: "Booked", body: "b", htmlBody: "<p>b</p>",
                updatedAt: Fixture.now)
            try await store.saveTemplate(email)

            #expect(try await store.templates(tenantID: "acme") == [email, template])
            #expect(try await store.templates(tenantID: "other") == [])
            #expect(try await store.deleteTemplate(tenantID: "acme", kind: .reminder, channel: "sms"))
            #expect(try await !store.deleteTemplate(tenantID: "acme", kind: .reminder, channel: "sms"))
            #expect(try await store.templates(tenantID: "acme") == [email])
        }
    }

    @Test(arguments: StoreFactory.all) func aTemplateForAnUnknownTenantIsNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            await expectStoreError({ if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false } }) {
                try await store.saveTemplate(MessageTemplate(
                    tenantID: "ghost", kind: .reminder, channel: "sms", body: "x", updatedAt: Fixture.now))
            }
        }
    }

    @Test(arguments: StoreFactory.all) func rotatingASecretReplacesIt(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let hook = WebhookSubscription(
                id: "wh_1", tenantID: "acme", url: "https://acme.test/hooks", secret: "whsec_old", createdAt: Fixture.now)
            try await store.createWebhook(hook)
            try await store.rotateWebhookSecret(id: "wh_1", secret: "whsec_new")
            #expect(try await store.webhook(id: "wh_1")?.secret == "whsec_new")
            await expectStoreError({ if case .notFound(StoreEntity.webhook, "wh_2") = $0 { true } else { false } }) {
                try await store.rotateWebhookSecret(id: "wh_2", secret: "whsec_x")
            }
        }
    }

    @Test(arguments: StoreFactory.all) func aGoneRecipientDisablesTheSubscriptionAndItsOtherJobsAreCancelledAtSendTime(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await store.createWebhook(WebhookSubscription(
                id: "wh_1", tenantID: "acme", url: "https://acme.test/hooks", secret: "whsec_x", createdAt: Fixture.now))
            let created = try await Fixture.insert(booking, into: store)
            func hookJob(_ id: String, due: Double) -> NotificationJob {
                var job = Fixture.dueJob(id, for: booking, due: Fixture.minutes(due), channel: "webhook", kind: .webhook)
                job.subscriptionID = "wh_1"
                job.eventID = created.id
                return job
            }
            var updated = booking
            updated.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: updated, expected: booking, event: Fixture.event(.confirmed, for: updated),
                newJobs: [hookJob("job_a", due: -2), hookJob("job_b", due: 5)]))
            let first = try await store.leaseDueJobs(leaseQuery(channel: "webhook", provider: "http")) { _ in .lease }
            #expect(first.leased.map(\.job.id) == ["job_a"])

            let gone = JobResult(
                jobID: "job_a", attempt: 1,
                resolution: .failed(provider: "http", error: "410: Gone", recipientGone: true), at: Fixture.now)
            #expect(try await store.applyResults([gone]).dispositions == [.applied])
            let subscription = try #require(try await store.webhook(id: "wh_1"))
            #expect(!subscription.enabled)
            #expect(subscription.disabledReason?.contains("410") == true)

            // The next job of that subscription is cancelled by the send-time check.
            let check = SendTimeCheck(lateGrace: 900)
            var query = leaseQuery(channel: "webhook", provider: "http")
            query.now = Fixture.minutes(6)
            let second = try await store.leaseDueJobs(query) { check.decide($0, now: Fixture.minutes(6)) }
            #expect(second.leased.isEmpty)
            #expect(second.cancelled == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func anOrdinaryFailureLeavesTheSubscriptionEnabled(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await store.createWebhook(WebhookSubscription(
                id: "wh_1", tenantID: "acme", url: "https://acme.test/hooks", secret: "whsec_x", createdAt: Fixture.now))
            let created = try await Fixture.insert(booking, into: store)
            var job = Fixture.dueJob("job_a", for: booking, due: Fixture.minutes(-1), channel: "webhook", kind: .webhook)
            job.subscriptionID = "wh_1"
            job.eventID = created.id
            var updated = booking
            updated.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: updated, expected: booking, event: Fixture.event(.confirmed, for: updated), newJobs: [job]))
            _ = try await store.leaseDueJobs(leaseQuery(channel: "webhook", provider: "http")) { _ in .lease }
            let failed = JobResult(
                jobID: "job_a", attempt: 1, resolution: .failed(provider: "http", error: "400: bad request"), at: Fixture.now)
            #expect(try await store.applyResults([failed]).dispositions == [.applied])
            #expect(try await store.webhook(id: "wh_1")?.enabled == true)
        }
    }
}
