import Foundation
import HeraldCore
import Testing

@Suite("SQLite store: tenants, settings, event types, webhooks")
struct SQLiteTenantTests {
    @Test func tenantWithDuplicateIDIsAlreadyExistsAndKeepsTheFirst() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            var other = Fixture.tenant()
            other.name = "Impostor"
            await expectStoreError({
                if case .alreadyExists(StoreEntity.tenant, "acme") = $0 { true } else { false }
            }) {
                try await store.createTenant(other, settings: .defaults(tenantID: "acme", now: Fixture.now))
            }
            #expect(try await store.tenants() == [Fixture.tenant()])
        }
    }

    @Test func settingsRoundTripWithQuietHoursAndOffsets() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            var settings = try #require(try await store.settings(tenantID: "acme"))
            #expect(settings == .defaults(tenantID: "acme", now: Fixture.now))

            settings.smsEnabled = true
            settings.smsProvider = .vonage
            settings.reminderOffsets = [2880, 30]
            settings.quietHours = QuietHours(startMinute: 22 * 60, endMinute: 7 * 60)
            settings.timeZone = "Europe/Paris"
            settings.replyToEmail = "desk@acme.test"
            try await store.saveSettings(settings)
            #expect(try await store.settings(tenantID: "acme") == settings)
        }
    }

    @Test func eventTypeForUnknownTenantIsNotFound() async throws {
        try await withTemporaryStore { store, _ in
            let eventType = EventType(
                tenantID: "ghost", id: "consult", name: "Consultation",
                createdAt: Fixture.now, updatedAt: Fixture.now)
            await expectStoreError({
                if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false }
            }) {
                try await store.createEventType(eventType)
            }
        }
    }

    @Test func eventTypesRoundTripAndUpdate() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            var eventType = EventType(
                tenantID: "acme", id: "consult", name: "Consultation", durationMinutes: 30,
                hostEmails: ["host@acme.test"], createdAt: Fixture.now, updatedAt: Fixture.now)
            try await store.createEventType(eventType)
            #expect(try await store.eventType(tenantID: "acme", id: "consult") == eventType)

            eventType.reminderOffsets = [120]
            try await store.saveEventType(eventType)
            #expect(try await store.eventTypes(tenantID: "acme") == [eventType])

            let unknown = EventType(
                tenantID: "acme", id: "nope", name: "x", createdAt: Fixture.now, updatedAt: Fixture.now)
            await expectStoreError({
                if case .notFound(StoreEntity.eventType, "nope") = $0 { true } else { false }
            }) {
                try await store.saveEventType(unknown)
            }
        }
    }

    @Test func webhooksAreCreatedListedAndDeleted() async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let hook = WebhookSubscription(
                id: Identifier.make(prefix: "wh"), tenantID: "acme", url: "https://acme.test/hooks",
                eventTypes: [BookingEventType.cancelled.rawValue], secret: "whsec_abc", createdAt: Fixture.now)
            try await store.createWebhook(hook)
            #expect(try await store.webhook(id: hook.id) == hook)
            #expect(try await store.webhooks(tenantID: "acme") == [hook])

            try await store.deleteWebhook(id: hook.id)
            #expect(try await store.webhook(id: hook.id) == nil)
            await expectStoreError({
                if case .notFound(StoreEntity.webhook, hook.id) = $0 { true } else { false }
            }) {
                try await store.deleteWebhook(id: hook.id)
            }
        }
    }
}
