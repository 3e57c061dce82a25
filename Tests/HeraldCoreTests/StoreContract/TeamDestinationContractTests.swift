import Foundation
@testable import HeraldCore
import Testing

@Suite("store contract: team destinations")
struct TeamDestinationContractTests {
    static func destination(
        _ id: String, channel: String = "chat", recipient: String = "https://chat.example/hooks/abc", tenantID: String = "acme"
    ) -> TeamDestination {
        TeamDestination(id: id, tenantID: tenantID, channel: channel, recipient: recipient, createdAt: Fixture.now)
    }

    @Test(arguments: StoreFactory.all) func destinationsAreStoredListedPerTenantDisabledAndRemoved(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            let chat = Self.destination("team_1")
            var mail = Self.destination("team_2", channel: "email", recipient: "desk@acme.test")
            mail.eventTypes = ["booking.cancelled"]
            try await store.createTeamDestination(chat)
            try await store.createTeamDestination(mail)

            #expect(try await store.teamDestinations(tenantID: "acme") == [chat, mail])
            #expect(try await store.teamDestinations(tenantID: "other") == [])
            #expect(try await store.teamDestination(id: "team_2")?.eventTypes == ["booking.cancelled"])
            #expect(try await store.bookingContext(tenantID: "acme", eventTypeID: nil, bookingID: nil)?.teamDestinations == [chat, mail])

            try await store.setTeamDestinationEnabled(id: "team_1", enabled: false, reason: "disabled by an admin")
            let disabled = try #require(try await store.teamDestination(id: "team_1"))
            #expect(!disabled.enabled && disabled.disabledReason == "disabled by an admin")
            try await store.setTeamDestinationEnabled(id: "team_1", enabled: true, reason: "ignored")
            let enabled = try #require(try await store.teamDestination(id: "team_1"))
            #expect(enabled.enabled && enabled.disabledReason == nil)

            try await store.deleteTeamDestination(id: "team_1")
            #expect(try await store.teamDestinations(tenantID: "acme") == [mail])
            await expectStoreError({ if case .notFound(StoreEntity.teamDestination, "team_1") = $0 { true } else { false } }) {
                try await store.deleteTeamDestination(id: "team_1")
            }
            await expectStoreError({ if case .notFound(StoreEntity.teamDestination, "team_9") = $0 { true } else { false } }) {
                try await store.setTeamDestinationEnabled(id: "team_9", enabled: true, reason: nil)
            }
        }
    }

    @Test(arguments: StoreFactory.all) func theSameRecipientOnTheSameChannelIsStoredOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "other")
            try await store.createTeamDestination(Self.destination("team_1"))
            await expectStoreError({ if case .alreadyExists(StoreEntity.teamDestination, "team_2") = $0 { true } else { false } }) {
                try await store.createTeamDestination(Self.destination("team_2"))
            }
            // Another channel, or another tenant, may use the same recipient.
            try await store.createTeamDestination(Self.destination("team_3", channel: "teams"))
            try await store.createTeamDestination(Self.destination("team_4", tenantID: "other"))
            await expectStoreError({ if case .notFound(StoreEntity.tenant, "ghost") = $0 { true } else { false } }) {
                try await store.createTeamDestination(Self.destination("team_5", tenantID: "ghost"))
            }
        }
    }

    @Test(arguments: StoreFactory.all) func webhookSMSAndWhatsAppDestinationsAreRefused(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            for channel in ["webhook", "sms", "whatsapp"] {
                await #expect(throws: (any Error).self, "\(channel)") {
                    try await store.createTeamDestination(Self.destination("team_\(channel)", channel: channel))
                }
            }
        }
    }

    @Test(arguments: StoreFactory.all) func aCustomChannelCanHaveItsOwnTemplate(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let template = MessageTemplate(
                tenantID: "acme", kind: .hostNotification, channel: "chat", subject: "New", body: "{{customer_name}}",
                updatedAt: Fixture.now)
            try await store.saveTemplate(template)
            #expect(try await store.templates(tenantID: "acme") == [template])
        }
    }

    /// A chat webhook that was deleted answers 404/410: the destination is disabled,
    /// saying why, and its other pending notes are cancelled when they fall due.
    @Test(arguments: StoreFactory.all) func aGoneRecipientDisablesTheDestinationAndItsOtherJobsAreCancelledAtSendTime(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await store.createTeamDestination(Self.destination("team_1"))
            let booking = Fixture.booking()
            let created = try await Fixture.insert(booking, into: store)
            func note(_ id: String, due: Double) -> NotificationJob {
                var job = Fixture.dueJob(id, for: booking, due: Fixture.minutes(due), channel: "chat", kind: .hostNotification)
                job.recipient = "https://chat.example/hooks/abc"
                job.teamDestinationID = "team_1"
                job.eventID = created.id
                return job
            }
            var updated = booking
            updated.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: updated, expected: booking, event: Fixture.event(.confirmed, for: updated),
                newJobs: [note("job_a", due: -2), note("job_b", due: 5)]))
            let first = try await store.leaseDueJobs(leaseQuery(channel: "chat", provider: "http")) { candidate in
                candidate.teamDestination?.id == "team_1" ? .lease : .cancel(reason: "no destination loaded")
            }
            #expect(first.leased.map(\.job.id) == ["job_a"])
            #expect(first.leased.first?.job.teamDestinationID == "team_1")

            let gone = JobResult(
                jobID: "job_a", attempt: 1,
                resolution: .failed(provider: "http", error: "404: the webhook is gone", recipientGone: true), at: Fixture.now)
            #expect(try await store.applyResults([gone]).dispositions == [.applied])
            let destination = try #require(try await store.teamDestination(id: "team_1"))
            #expect(!destination.enabled)
            #expect(destination.disabledReason?.contains("chat channel said the recipient is gone") == true, "\(destination)")
            #expect(destination.disabledReason?.contains("404") == true)

            let check = SendTimeCheck(lateGrace: 900)
            var query = leaseQuery(channel: "chat", provider: "http")
            query.now = Fixture.minutes(6)
            let second = try await store.leaseDueJobs(query) { check.decide($0, now: Fixture.minutes(6)) }
            #expect(second.leased.isEmpty)
            #expect(second.cancelled == 1)
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.first?.outcome == .cancelled)
            #expect(log.first?.error?.contains("team destination is disabled") == true, "\(log)")
        }
    }

    @Test(arguments: StoreFactory.all) func anOrdinaryFailureLeavesTheDestinationEnabled(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await store.createTeamDestination(Self.destination("team_1"))
            let booking = Fixture.booking()
            var job = Fixture.dueJob("job_a", for: booking, due: Fixture.minutes(-1), channel: "chat", kind: .hostNotification)
            job.teamDestinationID = "team_1"
            _ = try await Fixture.insert(booking, jobs: [job], into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "chat", provider: "http")) { _ in .lease }
            let failed = JobResult(
                jobID: "job_a", attempt: 1, resolution: .failed(provider: "http", error: "400: bad request"), at: Fixture.now)
            #expect(try await store.applyResults([failed]).dispositions == [.applied])
            #expect(try await store.teamDestination(id: "team_1")?.enabled == true)
        }
    }
}
