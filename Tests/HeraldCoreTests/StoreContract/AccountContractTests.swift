import Foundation
import HeraldCore
import Testing

@Suite("store contract: provider accounts")
struct AccountContractTests {
    @Test(arguments: StoreFactory.all) func registeredAccountsAreKeptAndUpdated(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let salon = ProviderAccountRecord(
                channel: "sms", provider: "twilio", name: "salon", senders: ["+15550000100"], ratePerSecond: 1, seenAt: Fixture.now)
            let fallback = ProviderAccountRecord(
                channel: "sms", provider: "vonage", name: "salon", senders: ["Salon"], ratePerSecond: 0, seenAt: Fixture.now)
            try await store.recordAccounts([salon, fallback])
            var later = salon
            later.senders = ["+15550000200"]
            later.seenAt = Fixture.minutes(5)
            try await store.recordAccounts([later])
            #expect(try await store.providerAccounts() == [later, fallback])
        }
    }

    @Test(arguments: StoreFactory.all) func aWorkerLeasesOnlyTheJobsOfItsAccounts(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var salon = Fixture.dueJob("job_salon", for: booking, due: Fixture.minutes(-2))
            salon.account = "salon"
            let plain = Fixture.dueJob("job_default", for: booking, due: Fixture.minutes(-1))
            try await Fixture.insert(booking, jobs: [salon, plain], into: store)

            let queues = try await store.accountQueues(now: Fixture.now)
            #expect(queues == [
                AccountQueueStats(channel: "email", account: "", dueNow: 1, scheduled: 0, oldestDue: Fixture.minutes(-1)),
                AccountQueueStats(channel: "email", account: "salon", dueNow: 1, scheduled: 0, oldestDue: Fixture.minutes(-2)),
            ])
            let defaultOnly = try await store.leaseDueJobs(leaseQuery(accounts: [""])) { _ in .lease }
            #expect(defaultOnly.leased.map(\.job.id) == ["job_default"])
            let spa = try await store.leaseDueJobs(leaseQuery(accounts: ["spa"], worker: "worker-2")) { _ in .lease }
            #expect(spa.leased.isEmpty)
            let salonWorker = try await store.leaseDueJobs(leaseQuery(accounts: ["", "salon"], worker: "worker-3")) { _ in .lease }
            #expect(salonWorker.leased.map(\.job.id) == ["job_salon"])
            #expect(salonWorker.leased.first?.job.account == "salon")
        }
    }

    /// A spaced account's recipients get one message per lease call, none while they
    /// wait; the others stay pending in due order and the batch says the account waits.
    @Test(arguments: StoreFactory.all) func aSpacedAccountLeasesOneJobPerRecipient(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            func job(_ id: String, to recipient: String, due minutes: Double) -> NotificationJob {
                var job = Fixture.dueJob(id, for: booking, due: Fixture.minutes(minutes), channel: "whatsapp", provider: "meta")
                job.account = "salon"
                job.recipient = recipient
                return job
            }
            let jobs = [
                job("job_ada_1", to: "+4915100000001", due: -4), job("job_ada_2", to: "+4915100000001", due: -3),
                job("job_bob", to: "+4915100000002", due: -2), job("job_cy", to: "+4915100000003", due: -1),
            ]
            try await Fixture.insert(booking, jobs: jobs, into: store)
            var query = leaseQuery(channel: "whatsapp", provider: "meta", accounts: ["salon"])
            query.spacing = ["salon": ["+4915100000003"]]
            let batch = try await store.leaseDueJobs(query) { _ in .lease }
            #expect(batch.leased.map(\.job.id) == ["job_ada_1", "job_bob"])
            #expect(batch.spaced == ["salon"])
            query.spacing = ["salon": []]
            query.leasedTo = "worker-2"
            let next = try await store.leaseDueJobs(query) { _ in .lease }
            #expect(next.leased.map(\.job.id) == ["job_ada_2", "job_cy"])
            #expect(next.spaced.isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func pendingJobsFollowTheirTenantsNewAccount(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            let waiting = Fixture.dueJob("job_waiting", for: booking, due: Fixture.minutes(60))
            let held = Fixture.dueJob("job_held", for: booking, due: Fixture.minutes(-1))
            var sms = Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(60), channel: "sms", provider: "twilio")
            sms.recipient = "+441234567890"
            try await Fixture.insert(booking, jobs: [waiting, held, sms], into: store)
            _ = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }  // job_held is in a worker's hands

            var settings = try #require(try await store.settings(tenantID: "acme"))
            settings.emailAccount = "salon"
            try await store.saveSettings(settings)
            let jobs = Dictionary(uniqueKeysWithValues: try await store.jobs(bookingID: booking.id).map { ($0.id, $0) })
            #expect(jobs["job_waiting"]?.account == "salon")
            #expect(jobs["job_held"]?.account == "", "a leased job keeps the account it went out with")
            #expect(jobs["job_sms"]?.account == "", "another channel's jobs keep theirs")

            settings.emailAccount = nil
            try await store.saveSettings(settings)
            #expect(try await store.jobs(bookingID: booking.id).first { $0.id == "job_waiting" }?.account == "")
            #expect(try await store.settings(tenantID: "acme") == settings)
        }
    }

    /// A booking of an event type that chose its own account keeps it when the tenant
    /// changes its own, and follows the event type's changes.
    @Test(arguments: StoreFactory.all) func anEventTypesAccountComesBeforeTheTenants(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            var consult = EventType(
                tenantID: "acme", id: "consult", name: "Consultation", smsAccount: "clinic",
                createdAt: Fixture.now, updatedAt: Fixture.now)
            try await store.createEventType(consult)
            #expect(try await store.eventType(tenantID: "acme", id: "consult") == consult)

            var own = Fixture.booking(id: "b_own")
            own.eventTypeID = "consult"
            let plain = Fixture.booking(id: "b_plain")
            func smsJob(_ id: String, _ booking: Booking, account: String) -> NotificationJob {
                var job = Fixture.dueJob(id, for: booking, due: Fixture.minutes(60), channel: "sms", provider: "twilio")
                job.account = account
                return job
            }
            try await Fixture.insert(own, jobs: [smsJob("job_own", own, account: "clinic")], into: store)
            try await Fixture.insert(plain, jobs: [smsJob("job_plain", plain, account: "")], into: store)
            func account(_ booking: String) async throws -> String? {
                try await store.jobs(bookingID: booking).first?.account
            }

            var settings = try #require(try await store.settings(tenantID: "acme"))
            settings.smsAccount = "salon"
            try await store.saveSettings(settings)
            #expect(try await account("b_plain") == "salon")
            #expect(try await account("b_own") == "clinic", "the event type's own account stays")

            consult.smsAccount = nil
            try await store.saveEventType(consult)
            #expect(try await account("b_own") == "salon", "back to the tenant's")
            consult.smsAccount = "default"
            try await store.saveEventType(consult)
            #expect(try await account("b_own") == "", "the default account, by its own choice")
            #expect(try await account("b_plain") == "salon")
        }
    }
}
