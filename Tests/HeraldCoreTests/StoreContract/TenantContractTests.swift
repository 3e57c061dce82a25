import Foundation
import HeraldCore
import Testing

@Suite("store contract: tenants, settings, event types, webhooks")
struct TenantContractTests {
    @Test(arguments: StoreFactory.all) func tenantWithDuplicateIDIsAlreadyExistsAndKeepsTheFirst(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func settingsRoundTripWithQuietHoursAndOffsets(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            var settings = try #require(try await store.settings(tenantID: "acme"))
            #expect(settings == .defaults(tenantID: "acme", now: Fixture.now))

            settings.smsEnabled = true
            settings.smsProvider = .vonage
            settings.reminderOffsets = [2880, 30]
            settings.quietHours = QuietHours(startMinute: 22 * 60, endMinute: 7 * 60)
            settings.timeZone = "Europe/Paris"
            settings.replyToEmail = "desk@acme.test"
            settings.askConfirmation = true
            settings.confirmDeadlineMinutes = 1440
            settings.cancelUnconfirmed = true
            settings.calendarInvites = false
            try await store.saveSettings(settings)
            #expect(try await store.settings(tenantID: "acme") == settings)
        }
    }

    @Test(arguments: StoreFactory.all) func eventTypeForUnknownTenantIsNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func eventTypesRoundTripAndUpdate(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            var eventType = EventType(
                tenantID: "acme", id: "consult", name: "Consultation", durationMinutes: 30,
                hostEmails: ["host@acme.test"], createdAt: Fixture.now, updatedAt: Fixture.now)
            try await store.createEventType(eventType)
            #expect(try await store.eventType(tenantID: "acme", id: "consult") == eventType)

            eventType.reminderOffsets = [120]
            eventType.askConfirmation = true
            eventType.calendarInvites = false
            eventType.location = "Room 2, Hauptstraße 1"
            eventType.details = "Bring your card.\nArrive early."
            try await store.saveEventType(eventType)
            #expect(try await store.eventTypes(tenantID: "acme") == [eventType])
            eventType.askConfirmation = nil
            eventType.location = nil
            try await store.saveEventType(eventType)
            #expect(try await store.eventType(tenantID: "acme", id: "consult") == eventType)

            let unknown = EventType(
                tenantID: "acme", id: "nope", name: "x", createdAt: Fixture.now, updatedAt: Fixture.now)
            await expectStoreError({
                if case .notFound(StoreEntity.eventType, "nope") = $0 { true } else { false }
            }) {
                try await store.saveEventType(unknown)
            }
        }
    }

    @Test(arguments: StoreFactory.all) func webhooksAreCreatedListedAndDeleted(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
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

    @Test(arguments: StoreFactory.all) func settingsOfAnotherTenantAreAConflictAndNothingIsCreated(_ factory: StoreFactory) async throws {
        try await factory.withStore { store throws in
            await expectStoreError({ if case .conflict = $0 { true } else { false } }) {
                try await store.createTenant(Fixture.tenant("acme"), settings: .defaults(tenantID: "globex", now: Fixture.now))
            }
            #expect(try await store.tenants().isEmpty)
            #expect(try await store.settings(tenantID: "acme") == nil)
            #expect(try await store.settings(tenantID: "globex") == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func readsOfWhatIsNotThereAreNilAndWritesNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            #expect(try await store.tenant(id: "ghost") == nil)
            #expect(try await store.settings(tenantID: "ghost") == nil)
            #expect(try await store.bookingContext(tenantID: "ghost", eventTypeID: nil, bookingID: nil) == nil)
            await expectStoreError({ if case .notFound(StoreEntity.settings, "ghost") = $0 { true } else { false } }) {
                try await store.saveSettings(.defaults(tenantID: "ghost", now: Fixture.now))
            }
            await expectStoreError({ if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false } }) {
                try await store.createWebhook(WebhookSubscription(
                    id: "wh_1", tenantID: "ghost", url: "https://acme.test/hooks", secret: "whsec_x", createdAt: Fixture.now))
            }
            await expectStoreError({ if case .notFound(StoreEntity.webhook, "wh_1") = $0 { true } else { false } }) {
                try await store.setWebhookEnabled(id: "wh_1", enabled: false, reason: "x")
            }

            // Event type ids are the tenant's own.
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            try await store.createEventType(EventType(
                tenantID: "acme", id: "consult", name: "Consultation", createdAt: Fixture.now, updatedAt: Fixture.now))
            #expect(try await store.eventType(tenantID: "other", id: "consult") == nil)
            try await store.createEventType(EventType(
                tenantID: "other", id: "consult", name: "Other", createdAt: Fixture.now, updatedAt: Fixture.now))
            await expectStoreError({ if case .alreadyExists(StoreEntity.eventType, "consult") = $0 { true } else { false } }) {
                try await store.createEventType(EventType(
                    tenantID: "acme", id: "consult", name: "Again", createdAt: Fixture.now, updatedAt: Fixture.now))
            }
            #expect(try await store.eventType(tenantID: "acme", id: "consult")?.name == "Consultation")
        }
    }

    @Test(arguments: StoreFactory.all) func aBookingContextHasTheTenantItsListsTheEventTypeAndTheBooking(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let tenant = try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            let eventType = EventType(
                tenantID: "acme", id: "consult", name: "Consultation", createdAt: Fixture.now, updatedAt: Fixture.now)
            try await store.createEventType(eventType)
            let second = WebhookSubscription(
                id: "wh_b", tenantID: "acme", url: "https://acme.test/b", secret: "whsec_b", createdAt: Fixture.minutes(1))
            let first = WebhookSubscription(
                id: "wh_a", tenantID: "acme", url: "https://acme.test/a", secret: "whsec_a", createdAt: Fixture.now)
            try await store.createWebhook(second)
            try await store.createWebhook(first)
            try await store.createWebhook(WebhookSubscription(
                id: "wh_other", tenantID: "other", url: "https://other.test/", secret: "whsec_o", createdAt: Fixture.now))
            let booking = Fixture.booking()
            try await Fixture.insert(booking, into: store)

            let context = try #require(try await store.bookingContext(
                tenantID: "acme", eventTypeID: "consult", bookingID: booking.id))
            #expect(context.tenant == tenant)
            #expect(context.settings == .defaults(tenantID: "acme", now: Fixture.now))
            #expect(context.eventType == eventType)
            #expect(context.webhooks == [first, second])
            #expect(context.teamDestinations.isEmpty)
            #expect(context.booking == booking)

            let sparse = try #require(try await store.bookingContext(tenantID: "acme", eventTypeID: "nope", bookingID: "bk_nope"))
            #expect(sparse.eventType == nil && sparse.booking == nil)
            // Another tenant's event type is not this tenant's.
            #expect(try await store.bookingContext(tenantID: "other", eventTypeID: "consult", bookingID: nil)?.eventType == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func aWebhookIsDisabledWithAReasonAndEnabledWithout(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await store.createWebhook(WebhookSubscription(
                id: "wh_1", tenantID: "acme", url: "https://acme.test/hooks", secret: "whsec_x", createdAt: Fixture.now))
            try await store.setWebhookEnabled(id: "wh_1", enabled: false, reason: "paused by an admin")
            let disabled = try #require(try await store.webhook(id: "wh_1"))
            #expect(!disabled.enabled && disabled.disabledReason == "paused by an admin")
            try await store.setWebhookEnabled(id: "wh_1", enabled: true, reason: "ignored")
            let enabled = try #require(try await store.webhook(id: "wh_1"))
            #expect(enabled.enabled && enabled.disabledReason == nil)
        }
    }
}
