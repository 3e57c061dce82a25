import Foundation
import HeraldCore
import Testing

@Suite("store contract: delivery results")
struct ResultContractTests {
    /// A tenant, a booking and these jobs (all due a minute ago), leased by one worker.
    private func leased(
        _ store: any ContractStore, _ makeJobs: (Booking) -> [NotificationJob]
    ) async throws -> (Booking, [LeasedJob]) {
        try await Fixture.createTenant(store)
        let booking = Fixture.booking()
        let jobs = makeJobs(booking)
        try await Fixture.insert(booking, jobs: jobs, into: store)
        let batch = try await store.leaseDueJobs(leaseQuery(channel: jobs[0].channel, provider: "twilio")) { _ in .lease }
        #expect(batch.leased.count == jobs.count)
        return (booking, batch.leased)
    }

    private func job(_ store: any ContractStore, _ booking: Booking, _ id: String) async throws -> NotificationJob? {
        try await store.jobs(bookingID: booking.id).first { $0.id == id }
    }

    @Test(arguments: StoreFactory.all) func sentWritesOneSentRowAndASecondResultIsIgnored(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio")]
            }
            let sent = JobResult(
                jobID: "job_1", attempt: 1,
                resolution: .sent(provider: "twilio", providerMessageID: "SM123"), at: Fixture.minutes(1))
            #expect(try await store.applyResults([sent]).dispositions == [.applied])
            #expect(try await store.applyResults([sent]).dispositions == [.ignored(reason: "already sent")])

            let stored = try #require(try await job(store, booking, "job_1"))
            #expect(stored.status == .sent)
            #expect(stored.leasedTo == nil)
            #expect(stored.leaseExpiresAt == nil)
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.count == 1)
            #expect(log.first?.outcome == .sent)
            #expect(log.first?.attempts == 1)
            #expect(log.first?.provider == "twilio")
            #expect(log.first?.providerMessageID == "SM123")
            #expect(log.first?.loggedAt == Fixture.minutes(1))
        }
    }

    @Test(arguments: StoreFactory.all) func duplicateResultsInOneBatchApplyOnce(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1))]
            }
            let sent = JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: nil), at: Fixture.now)
            #expect(try await store.applyResults([sent, sent]).dispositions == [.applied, .ignored(reason: "already sent")])
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func aSecondJobOfTheSameNotificationIsMarkedSentWithoutASecondRow(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-2), offset: 60),
                 Fixture.dueJob("job_2", for: booking, due: Fixture.minutes(-1), offset: 60)]
            }
            let results = ["job_1", "job_2", "job_unknown"].map {
                JobResult(jobID: $0, attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: $0), at: Fixture.now)
            }
            #expect(try await store.applyResults(results).dispositions
                == [.applied, .applied, .ignored(reason: "unknown delivery")])
            #expect(try await job(store, booking, "job_1")?.status == .sent)
            #expect(try await job(store, booking, "job_2")?.status == .sent)
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.map(\.jobID) == ["job_1"])
        }
    }

    @Test(arguments: StoreFactory.all) func staleAttemptsAndUnknownJobsAreIgnored(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1))]
            }
            // The lease expires and the job is leased again as attempt 2.
            #expect(try await store.expireLeases(now: Fixture.minutes(2)) == 1)
            let again = try await store.leaseDueJobs(leaseQuery(now: Fixture.minutes(2))) { _ in .lease }
            #expect(again.leased.first?.job.attempt == 2)

            let late = JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: nil), at: Fixture.minutes(3))
            let future = JobResult(
                jobID: "job_1", attempt: 3, resolution: .failed(provider: "smtp", error: "x"), at: Fixture.minutes(3))
            let unknown = JobResult(
                jobID: "job_nope", attempt: 1, resolution: .failed(provider: "smtp", error: "x"), at: Fixture.minutes(3))
            #expect(try await store.applyResults([late, future, unknown]).dispositions == [
                .ignored(reason: "superseded by attempt 2"),
                .ignored(reason: "unknown attempt 3"),
                .ignored(reason: "unknown delivery"),
            ])
            #expect(try await job(store, booking, "job_1")?.status == .leased)
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func aFinalAnswerAfterTheLeaseWasGivenBackStillCountsUntilTheNextHandOut(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [
                    Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1)),
                    Fixture.dueJob("job_2", for: booking, due: Fixture.minutes(-1)),
                ]
            }
            // Both leases are given back (the worker looked dead; the core restarted).
            #expect(try await store.releaseLeases(jobIDs: ["job_1", "job_2"], now: Fixture.now) == 2)
            // A retry for a job already back in the queue changes nothing...
            let retry = JobResult(
                jobID: "job_2", attempt: 1,
                resolution: .retry(at: Fixture.minutes(5), provider: "smtp", error: "x", switchToFallback: false),
                at: Fixture.now)
            // ...but the provider did take job_1: recording that prevents a second send.
            let sent = JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: "m1"), at: Fixture.now)
            #expect(try await store.applyResults([retry, sent]).dispositions == [.ignored(reason: "not leased (pending)"), .applied])
            #expect(try await job(store, booking, "job_1")?.status == .sent)
            #expect(try await job(store, booking, "job_2")?.status == .pending)

            // Once handed out again, the old attempt's answer is superseded.
            _ = try await store.leaseDueJobs(leaseQuery()) { _ in .lease }
            let late = JobResult(
                jobID: "job_2", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: "m2"), at: Fixture.now)
            #expect(try await store.applyResults([late]).dispositions == [.ignored(reason: "superseded by attempt 2")])
        }
    }

    @Test(arguments: StoreFactory.all) func failedEndsTheJobWithAFailedRow(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio")]
            }
            let failed = JobResult(
                jobID: "job_1", attempt: 1,
                resolution: .failed(provider: "twilio", error: "21211 invalid number"), at: Fixture.minutes(1))
            #expect(try await store.applyResults([failed]).dispositions == [.applied])
            let stored = try #require(try await job(store, booking, "job_1"))
            #expect(stored.status == .failed)
            #expect(stored.lastError == "21211 invalid number")
            #expect(stored.leasedTo == nil)
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.count == 1)
            #expect(log.first?.outcome == .failed)
            #expect(log.first?.error == "21211 invalid number")
            #expect(log.first?.provider == "twilio")
            #expect(log.first?.attempts == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func retryPutsTheJobBackPendingAndSwapsProvidersWhenAsked(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_keep", for: booking, due: Fixture.minutes(-2), channel: "sms",
                                provider: "twilio", fallbackProvider: "vonage"),
                 Fixture.dueJob("job_swap", for: booking, due: Fixture.minutes(-1), channel: "sms",
                                provider: "twilio", fallbackProvider: "vonage"),
                 Fixture.dueJob("job_none", for: booking, due: Fixture.minutes(-1), channel: "sms",
                                provider: "twilio")]
            }
            let retryAt = Fixture.minutes(5)
            let results = [
                JobResult(jobID: "job_keep", attempt: 1, resolution: .retry(
                    at: retryAt, provider: "twilio", error: "429", switchToFallback: false), at: Fixture.now),
                JobResult(jobID: "job_swap", attempt: 1, resolution: .retry(
                    at: retryAt, provider: "twilio", error: "503", switchToFallback: true), at: Fixture.now),
                JobResult(jobID: "job_none", attempt: 1, resolution: .retry(
                    at: retryAt, provider: "twilio", error: "503", switchToFallback: true), at: Fixture.now),
            ]
            #expect(try await store.applyResults(results).dispositions == [.applied, .applied, .applied])

            let keep = try #require(try await job(store, booking, "job_keep"))
            #expect(keep.status == .pending)
            #expect(keep.dueAt == retryAt)
            #expect(keep.lastError == "429")
            #expect(keep.leasedTo == nil && keep.leaseExpiresAt == nil)
            #expect(keep.attempt == 1)
            #expect(keep.provider == "twilio" && keep.fallbackProvider == "vonage")

            let swap = try #require(try await job(store, booking, "job_swap"))
            #expect(swap.status == .pending)
            #expect(swap.provider == "vonage" && swap.fallbackProvider == "twilio")

            let none = try #require(try await job(store, booking, "job_none"))
            #expect(none.provider == "twilio" && none.fallbackProvider == nil)

            // Retries are not outcomes: nothing logged. The job is leasable again at its time.
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).isEmpty)
            let early = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "vonage")) { _ in .lease }
            #expect(early.leased.isEmpty)
            // Both providers have workers, so only the swapped job is Vonage's now.
            let due = try await store.leaseDueJobs(
                leaseQuery(channel: "sms", provider: "vonage", present: ["twilio", "vonage"], now: retryAt)) { _ in .lease }
            #expect(due.leased.map(\.job.id) == ["job_swap"])
            #expect(due.leased.first?.job.attempt == 2)
        }
    }

    @Test(arguments: StoreFactory.all) func emptyBatchDoesNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let dispositions = try await store.applyResults([]).dispositions
            #expect(dispositions.isEmpty)
        }
    }

    /// A worker still held the job when its booking was cancelled: what it reports
    /// afterwards changes nothing, and no `sent` row appears for a cancelled notification.
    @Test(arguments: StoreFactory.all) func aResultForAJobCancelledWhileLeasedIsIgnored(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1))]
            }
            var cancelled = booking
            cancelled.status = .cancelled
            cancelled.updatedAt = Fixture.minutes(1)
            try await store.writeBooking(BookingWrite(
                booking: cancelled, expected: booking, event: Fixture.event(.cancelled, for: cancelled, previous: booking),
                cancelPendingJobs: .all(reason: "booking cancelled")))

            let sent = JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: "m1"), at: Fixture.minutes(2))
            #expect(try await store.applyResults([sent]).dispositions == [.ignored(reason: "not leased (cancelled)")])
            #expect(try await job(store, booking, "job_1")?.status == .cancelled)
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.map(\.outcome) == [.cancelled])
        }
    }

    @Test(arguments: StoreFactory.all) func aFinishedJobIgnoresLaterResults(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let (booking, _) = try await leased(store) { booking in
                [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1))]
            }
            let failed = JobResult(
                jobID: "job_1", attempt: 1, resolution: .failed(provider: "smtp", error: "550 no such user"), at: Fixture.now)
            let sent = JobResult(
                jobID: "job_1", attempt: 1, resolution: .sent(provider: "smtp", providerMessageID: nil), at: Fixture.now)
            #expect(try await store.applyResults([failed]).dispositions == [.applied])
            #expect(try await store.applyResults([sent, failed]).dispositions == [
                .ignored(reason: "not leased (failed)"), .ignored(reason: "not leased (failed)"),
            ])
            #expect(try await job(store, booking, "job_1")?.status == .failed)
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).map(\.outcome) == [.failed])
        }
    }
}
