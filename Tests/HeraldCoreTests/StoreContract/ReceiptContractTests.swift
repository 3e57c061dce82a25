import Foundation
import HeraldCore
import Testing

@Suite("store contract: delivery receipts")
struct ReceiptContractTests {
    /// A tenant, a booking and SMS jobs sent through Twilio with these message ids
    /// (one job per id, `job_1`, `job_2`, ...), their results applied.
    private func sent(_ store: any ContractStore, messageIDs: [String], provider: String = "twilio") async throws -> Booking {
        try await Fixture.createTenant(store)
        let booking = Fixture.booking()
        let jobs = messageIDs.indices.map {
            Fixture.dueJob("job_\($0 + 1)", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: provider,
                           offset: 60 * ($0 + 1))
        }
        try await Fixture.insert(booking, jobs: jobs, into: store)
        let batch = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: provider)) { _ in .lease }
        #expect(batch.leased.count == jobs.count)
        let results = zip(jobs, messageIDs).map { job, id in
            JobResult(jobID: job.id, attempt: 1, resolution: .sent(provider: provider, providerMessageID: id), at: Fixture.now)
        }
        #expect(try await store.applyResults(results).dispositions.allSatisfy { $0 == .applied })
        return booking
    }

    private func receipt(
        _ id: String, _ status: DeliveryStatus, provider: String = "twilio", at minute: Double = 1, jobID: String? = nil,
        errorCode: String? = nil, error: String? = nil
    ) -> DeliveryReceipt {
        DeliveryReceipt(
            provider: provider, providerMessageID: id, jobID: jobID, status: status, providerStatus: status.rawValue,
            occurredAt: Fixture.minutes(minute), errorCode: errorCode, error: error, receivedAt: Fixture.minutes(minute + 0.5))
    }

    private func sentRow(_ store: any ContractStore, _ booking: Booking, job: String = "job_1") async throws -> ReminderLogEntry {
        try #require(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).first {
            $0.jobID == job && $0.outcome == .sent
        })
    }

    @Test(arguments: StoreFactory.all) func aReceiptMovesTheSentRowsStateAndIsReadWithTheLog(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await sent(store, messageIDs: ["SM1"])
            #expect(try await sentRow(store, booking).delivery == nil)

            let dispositions = try await store.applyReceipts([receipt("SM1", .delivered, at: 2)])
            let row = try await sentRow(store, booking)
            let expected = DeliveryState(
                status: .delivered, at: Fixture.minutes(2), providerStatus: "delivered", updatedAt: Fixture.minutes(2.5))
            #expect(row.delivery == expected)
            #expect(dispositions == [.updated(row)], "the receipt answers with the row as stored")
            // The log itself is unchanged: same row, same outcome and time.
            #expect(row.outcome == .sent && row.loggedAt == Fixture.now && row.providerMessageID == "SM1")
        }
    }

    @Test(arguments: StoreFactory.all) func statesOnlyMoveForwardWhateverTheOrder(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await sent(store, messageIDs: ["SM1"])
            let dispositions = try await store.applyReceipts([
                receipt("SM1", .delivered, at: 3),
                receipt("SM1", .delivered, at: 3), // a duplicate
                receipt("SM1", .sent, at: 1), // late
                receipt("SM1", .undelivered, at: 2, errorCode: "30003", error: "Unreachable destination handset"),
            ])
            #expect(dispositions.dropFirst().map { $0 } == [
                .unchanged(reason: "already delivered"), .unchanged(reason: "sent after delivered"),
                .unchanged(reason: "undelivered after delivered"),
            ])
            #expect(try await sentRow(store, booking).delivery?.status == .delivered)

            // A later read still moves it on; a repeated batch changes nothing.
            #expect(try await store.applyReceipts([receipt("SM1", .read, at: 4)]).count == 1)
            #expect(try await store.applyReceipts([receipt("SM1", .delivered, at: 5)])
                == [.unchanged(reason: "delivered after read")])
            #expect(try await sentRow(store, booking).delivery?.status == .read)
        }
    }

    @Test(arguments: StoreFactory.all) func undeliveredKeepsTheProvidersErrorAndDeliveredLaterWins(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await sent(store, messageIDs: ["SM1"])
            _ = try await store.applyReceipts([
                receipt("SM1", .sent, at: 1),
                receipt("SM1", .undelivered, at: 2, errorCode: "30003", error: "Unreachable destination handset"),
            ])
            let undelivered = try #require(try await sentRow(store, booking).delivery)
            #expect(undelivered.status == .undelivered)
            #expect(undelivered.errorCode == "30003")
            #expect(undelivered.error == "Unreachable destination handset")
            #expect(undelivered.at == Fixture.minutes(2))

            _ = try await store.applyReceipts([receipt("SM1", .delivered, at: 3, errorCode: "0", error: "ignored")])
            let delivered = try #require(try await sentRow(store, booking).delivery)
            #expect(delivered.status == .delivered)
            #expect(delivered.errorCode == nil && delivered.error == nil, "no error on a delivered message")
        }
    }

    @Test(arguments: StoreFactory.all) func unknownMessagesAndOtherProvidersChangeNothing(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await sent(store, messageIDs: ["SM1"])
            let dispositions = try await store.applyReceipts([
                receipt("SM-unknown", .delivered),
                receipt("SM1", .delivered, provider: "vonage"), // the same id from another provider
            ])
            #expect(dispositions == [.unknown, .unknown])
            #expect(try await sentRow(store, booking).delivery == nil)
            #expect(try await store.applyReceipts([]) == [])
        }
    }

    @Test(arguments: StoreFactory.all) func aReceiptForOnePartFindsItsMessageByTheJob(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            // A message Vonage split in two: the result carried both parts' ids.
            let booking = try await sent(store, messageIDs: ["part-a,part-b"], provider: "vonage")
            let dispositions = try await store.applyReceipts([
                receipt("part-b", .delivered, provider: "vonage", jobID: "job_1"),
                receipt("part-c", .delivered, provider: "vonage", jobID: "job_unknown"),
                receipt("part-d", .delivered, provider: "twilio", jobID: "job_1"), // not this job's provider
            ])
            #expect(dispositions.count == 3)
            guard case .updated(let row) = dispositions[0] else {
                Issue.record("the part's receipt did not find its message: \(dispositions)")
                return
            }
            #expect(row.jobID == "job_1")
            #expect(Array(dispositions.dropFirst()) == [.unknown, .unknown])
            #expect(try await sentRow(store, booking).delivery?.status == .delivered)
        }
    }

    @Test(arguments: StoreFactory.all) func receiptsApplyInTheTurnAfterTheResultTheyFollow(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(
                booking, jobs: [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio")],
                into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { _ in .lease }
            // The worker's result and the provider's first receipt reach the core together.
            let outcome = try await store.dispatchTurn(DispatchTurn(
                now: Fixture.minutes(1),
                results: [JobResult(jobID: "job_1", attempt: 1, resolution: .sent(provider: "twilio", providerMessageID: "SM9"), at: Fixture.minutes(1))],
                receipts: [receipt("SM9", .sent, at: 1)])) { _ in .lease }
            #expect(outcome.results.dispositions == [.applied])
            guard case .updated(let row)? = outcome.receipts.first else {
                Issue.record("the receipt did not find the row its result wrote: \(outcome.receipts)")
                return
            }
            #expect(row.delivery?.status == .sent)
            #expect(try await sentRow(store, booking).delivery?.status == .sent)
        }
    }

    @Test(arguments: StoreFactory.all) func failedAndSkippedRowsHaveNoDeliveryState(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            try await Fixture.insert(
                booking, jobs: [Fixture.dueJob("job_1", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio")],
                into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { _ in .lease }
            _ = try await store.applyResults([JobResult(
                jobID: "job_1", attempt: 1, resolution: .failed(provider: "twilio", error: "21211: invalid"), at: Fixture.now)])
            // A provider's id on a failed row is not a sent message: receipts do not find it.
            #expect(try await store.applyReceipts([receipt("21211", .delivered)]) == [.unknown])
            let log = try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10)
            #expect(log.map(\.outcome) == [.failed])
            #expect(log.allSatisfy { $0.delivery == nil })
        }
    }

    // MARK: Webhooks

    /// A status change becomes one webhook job per enabled subscription of the tenant
    /// that wants its type, due at once, its body fixed; `sent`, duplicates and other
    /// tenants' or disabled subscriptions get none.
    @Test(arguments: StoreFactory.all) func statusChangesBecomeWebhookJobsForSubscriptionsThatWantThem(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            let booking = try await sent(store, messageIDs: ["SM1"])
            try await Fixture.createTenant(store, id: "other")
            func hook(_ id: String, tenant: String = "acme", types: [String] = [], enabled: Bool = true) -> WebhookSubscription {
                WebhookSubscription(
                    id: id, tenantID: tenant, url: "https://\(tenant).test/\(id)", eventTypes: types, secret: "whsec_x",
                    enabled: enabled, createdAt: Fixture.now)
            }
            for subscription in [
                hook("wh_all"), hook("wh_delivered", types: ["delivery.delivered"]),
                hook("wh_bookings", types: ["booking.created"]), hook("wh_off", enabled: false),
                hook("wh_other", tenant: "other"),
            ] {
                try await store.createWebhook(subscription)
            }
            func webhookJobs() async throws -> [NotificationJob] {
                try await store.jobs(bookingID: booking.id).filter { $0.kind == .webhook }
            }

            _ = try await store.applyReceipts([receipt("SM1", .sent, at: 1)])
            #expect(try await webhookJobs().isEmpty, "sent is not an event")

            _ = try await store.applyReceipts([receipt("SM1", .delivered, at: 2), receipt("SM1", .delivered, at: 2)])
            let jobs = try await webhookJobs()
            #expect(jobs.compactMap(\.subscriptionID).sorted() == ["wh_all", "wh_delivered"])
            let row = try await sentRow(store, booking)
            for job in jobs {
                #expect(job.status == .pending && job.channel == "webhook" && job.dueAt == Fixture.minutes(2.5))
                #expect(job.eventID == "dlv_\(row.id ?? 0)_delivered")
                let body = try #require(job.payload.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
                #expect(body["type"] as? String == "delivery.delivered")
                let data = body["data"] as? [String: Any]
                #expect(data?["booking_id"] as? String == booking.id)
                #expect(data?["provider_message_id"] as? String == "SM1")
                #expect(data?["delivery_status"] as? String == "delivered")
            }
            // Leasing hands the body out as stored.
            let batch = try await store.leaseDueJobs(leaseQuery(channel: "webhook", provider: "http", now: Fixture.minutes(3))) { _ in .lease }
            #expect(batch.leased.map(\.job.payload) == jobs.map(\.payload))

            // read: the "all" subscription only.
            _ = try await store.applyReceipts([receipt("SM1", .read, at: 4)])
            #expect(try await webhookJobs().filter { $0.eventID.hasSuffix("_read") }.compactMap(\.subscriptionID) == ["wh_all"])
        }
    }
}
