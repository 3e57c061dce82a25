import Foundation
import HeraldCore
import Testing

/// Fallback before the appointment, as both stores carry out ``Fallback``'s
/// decisions where they apply results and receipts.
@Suite("store contract: fallback before the appointment")
struct FallbackContractTests {
    /// Tenant "acme" with this fallback rule, a booking starting in two hours with
    /// one SMS reminder through Twilio, leased; returns the booking.
    private func smsReminder(
        _ store: any ContractStore, fallback: FallbackChannel? = .email, after minutes: Int = 0, alsoByEmail: Bool = false,
        eventTypeFallback: FallbackOverride? = nil
    ) async throws -> Booking {
        try await store.createTenant(Fixture.tenant(), settings: NotificationSettings(
            tenantID: "acme", smsEnabled: true, fallbackChannel: fallback, fallbackAfterMinutes: minutes,
            updatedAt: Fixture.now))
        var booking = Fixture.booking(startingIn: 120)
        if let eventTypeFallback {
            try await store.createEventType(EventType(
                tenantID: "acme", id: "cut", name: "Haircut", fallback: eventTypeFallback, createdAt: Fixture.now, updatedAt: Fixture.now))
            booking.eventTypeID = "cut"
        }
        var jobs = [Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio", offset: 60)]
        if alsoByEmail {
            var email = Fixture.dueJob("job_email", for: booking, due: Fixture.minutes(30), channel: "email", offset: 60)
            email.recipient = "ada@example.com"
            jobs.append(email)
        }
        try await Fixture.insert(booking, jobs: jobs, into: store)
        _ = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { _ in .lease }
        return booking
    }

    private func sent(_ store: any ContractStore, at minute: Double = 0) async throws {
        let dispositions = try await store.applyResults([JobResult(
            jobID: "job_sms", attempt: 1, resolution: .sent(provider: "twilio", providerMessageID: "SM1"),
            at: Fixture.minutes(minute))])
        #expect(dispositions.dispositions == [.applied])
    }

    private func receipt(_ status: DeliveryStatus, at minute: Double) -> DeliveryReceipt {
        DeliveryReceipt(
            provider: "twilio", providerMessageID: "SM1", status: status, providerStatus: status.rawValue,
            errorCode: status == .undelivered ? "30003" : nil, error: status == .undelivered ? "Unreachable destination handset" : nil,
            receivedAt: Fixture.minutes(minute))
    }

    private func fallbacks(_ store: any ContractStore, _ booking: Booking) async throws -> [NotificationJob] {
        try await store.jobs(bookingID: booking.id).filter { $0.eventID.hasPrefix("fb_") }
    }

    @Test(arguments: StoreFactory.all) func anUndeliveredSMSMakesOneEmailDueAtOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await smsReminder(store)
            try await sent(store)
            #expect(try await fallbacks(store, booking).isEmpty, "no wait: nothing until a report of failure")

            _ = try await store.applyReceipts([receipt(.undelivered, at: 2)])
            let jobs = try await fallbacks(store, booking)
            #expect(jobs.count == 1)
            let job = try #require(jobs.first)
            let sentRow = try #require(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).first)
            #expect(job.eventID == "fb_\(sentRow.id ?? 0)")
            #expect(job.channel == "email" && job.recipient == "ada@example.com" && job.kind == .reminder)
            #expect(job.status == .pending && job.dueAt == Fixture.minutes(2) && job.notAfter == booking.startAt)
            #expect(job.lastError?.contains("reported undelivered (30003 Unreachable destination handset)") == true, "\(job)")

            // Leased like any job, due now, with its reason kept.
            let batch = try await store.leaseDueJobs(leaseQuery(channel: "email", provider: "smtp", now: Fixture.minutes(2))) { _ in .lease }
            #expect(batch.leased.map(\.job.id) == [job.id])
        }
    }

    /// The booking's event type has a rule of its own: it applies where the tenant has
    /// none, and "off" stops the tenant's. The event type is stored and read back as is.
    @Test(arguments: StoreFactory.all) func anEventTypesRuleComesBeforeTheTenants(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let own = FallbackOverride.rule(FallbackRule(channel: .email, afterMinutes: 30))
            let booking = try await smsReminder(store, fallback: nil, eventTypeFallback: own)
            #expect(try await store.eventType(tenantID: "acme", id: "cut")?.fallback == own)
            try await sent(store, at: 0)
            let timer = try #require(try await fallbacks(store, booking).first, "the event type's wait started")
            #expect(timer.channel == "email" && timer.dueAt == Fixture.minutes(30))
        }
        try await factory.withStore { store in
            let booking = try await smsReminder(store, fallback: .email, eventTypeFallback: .off)
            #expect(try await store.eventType(tenantID: "acme", id: "cut")?.fallback == .off)
            try await sent(store)
            _ = try await store.applyReceipts([receipt(.undelivered, at: 2)])
            #expect(try await fallbacks(store, booking).isEmpty, "the event type has no fallback")
        }
    }

    @Test(arguments: StoreFactory.all) func aWaitStartsAtTheSendAndDeliveryCancelsIt(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await smsReminder(store, after: 30)
            try await sent(store, at: 0)
            let timer = try #require(try await fallbacks(store, booking).first)
            #expect(timer.dueAt == Fixture.minutes(30) && timer.status == .pending)

            _ = try await store.applyReceipts([receipt(.delivered, at: 3)])
            let cancelled = try #require(try await fallbacks(store, booking).first)
            #expect(cancelled.id == timer.id && cancelled.status == .cancelled)
            #expect(cancelled.lastError == "not needed: the SMS (twilio) was delivered")
            // Not a notification that was due: nothing in the log for it.
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.map(\.jobID) == ["job_sms"])
        }
    }

    @Test(arguments: StoreFactory.all) func undeliveredBringsTheWaitForwardOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await smsReminder(store, after: 30)
            try await sent(store, at: 0)
            _ = try await store.applyReceipts([receipt(.sent, at: 1), receipt(.undelivered, at: 4)])
            let jobs = try await fallbacks(store, booking)
            #expect(jobs.count == 1, "\(jobs)")
            #expect(jobs.first?.dueAt == Fixture.minutes(4))
            #expect(jobs.first?.lastError?.hasPrefix("fallback: the SMS (twilio) was reported undelivered") == true)
        }
    }

    @Test(arguments: StoreFactory.all) func aFailedSendFallsBackAtOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await smsReminder(store, fallback: .sms)
            _ = try await store.applyResults([JobResult(
                jobID: "job_sms", attempt: 1, resolution: .failed(provider: "twilio", error: "21211: invalid 'To' number"),
                at: Fixture.minutes(1))])
            let job = try #require(try await fallbacks(store, booking).first)
            #expect(job.channel == "sms" && job.provider == "vonage" && job.recipient == "+441234567890")
            #expect(job.dueAt == Fixture.minutes(1))
        }
    }

    @Test(arguments: StoreFactory.all) func noFallbackAfterTheStartWithoutARuleOrWhenEmailAlreadyHasIt(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await smsReminder(store)
            try await sent(store)
            _ = try await store.applyReceipts([receipt(.undelivered, at: 121)]) // after the start
            #expect(try await fallbacks(store, booking).isEmpty)
        }
        try await factory.withStore { store in
            let booking = try await smsReminder(store, fallback: nil)
            try await sent(store)
            _ = try await store.applyReceipts([receipt(.undelivered, at: 2)])
            #expect(try await fallbacks(store, booking).isEmpty)
        }
        try await factory.withStore { store in
            let booking = try await smsReminder(store, alsoByEmail: true)
            try await sent(store)
            _ = try await store.applyReceipts([receipt(.undelivered, at: 2)])
            #expect(try await fallbacks(store, booking).isEmpty, "the reminder goes by e-mail anyway")
        }
    }
}
