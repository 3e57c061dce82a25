import Foundation
import HeraldCore
import Testing

@Suite("store contract: the suppression list")
struct SuppressionContractTests {
    static func entry(
        _ recipient: String = "+441234567890", channel: String = "sms", scope: SuppressionScope = .all,
        reason: String = "replied STOP", source: SuppressionSource = .admin, at minute: Double = 0
    ) -> Suppression {
        Suppression(
            tenantID: "acme", channel: channel, recipient: recipient, scope: scope, reason: reason, source: source,
            createdAt: Fixture.minutes(minute))
    }

    @Test(arguments: StoreFactory.all) func entriesAreAddedOnceListedAndRemoved(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            #expect(try await store.bookingContext(tenantID: "acme", eventTypeID: nil, bookingID: nil)?.hasSuppressions == false)
            let first = try await store.addSuppression(Self.entry(at: 1))
            #expect(first == Self.entry(at: 1))
            // Added again (another reason, later): the first entry stays as it was.
            #expect(try await store.addSuppression(Self.entry(reason: "again", at: 5)) == Self.entry(at: 1))
            _ = try await store.addSuppression(Self.entry("ada@example.com", channel: "email", scope: .followUps, at: 2))
            #expect(try await store.bookingContext(tenantID: "acme", eventTypeID: nil, bookingID: nil)?.hasSuppressions == true)

            let all = try await store.suppressions(tenantID: "acme", channel: nil, limit: 10)
            #expect(all.map(\.recipient) == ["ada@example.com", "+441234567890"], "newest first")
            #expect(try await store.suppressions(tenantID: "acme", channel: "sms", limit: 10).map(\.channel) == ["sms"])
            #expect(try await store.suppressions(tenantID: "acme", channel: nil, limit: 1).count == 1)
            #expect(try await store.suppressions(tenantID: "acme", recipients: ["ada@example.com", "+449999"]).map(\.scope) == [.followUps])

            #expect(try await store.removeSuppression(tenantID: "acme", channel: "sms", recipient: "+441234567890", scope: .all))
            #expect(try await !store.removeSuppression(tenantID: "acme", channel: "sms", recipient: "+441234567890", scope: .all))
            #expect(try await store.suppressions(tenantID: "acme", channel: nil, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func anUnknownTenantIsNotFound(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            await expectStoreError({ if case .notFound(StoreEntity.tenant, "acme") = $0 { true } else { false } }) {
                _ = try await store.addSuppression(Self.entry())
            }
        }
    }

    /// At send time a job to a suppressed recipient is skipped, with its log row; an
    /// entry for follow-ups only stops follow-ups; other channels and tenants go on.
    @Test(arguments: StoreFactory.all) func suppressedRecipientsAreSkippedAtSendTime(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sms = Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(-2), channel: "sms", provider: "twilio", offset: 60)
            sms.recipient = "+441234567890"
            let email = Fixture.dueJob("job_mail", for: booking, due: Fixture.minutes(-2), channel: "email", offset: 60)
            try await Fixture.insert(booking, jobs: [sms, email], into: store)
            // A follow-up goes out after a completed appointment (another booking of the customer).
            let completed = Fixture.booking(id: "bk_done", startingIn: -120, status: .completed)
            let followUp = Fixture.dueJob("job_follow", for: completed, due: Fixture.minutes(-1), channel: "email", kind: .followUp, offset: 0)
            try await Fixture.insert(completed, jobs: [followUp], into: store)
            _ = try await store.addSuppression(Self.entry())
            _ = try await store.addSuppression(Self.entry(booking.customerEmail!, channel: "email", scope: .followUps))

            let check = SendTimeCheck(lateGrace: 3600)
            let smsBatch = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { check.decide($0, now: Fixture.now) }
            #expect(smsBatch.leased.isEmpty && smsBatch.skipped == 1)
            #expect(smsBatch.logged.map(\.outcome) == [.skipped])
            #expect(smsBatch.logged.first?.error == "recipient opted out")

            let mailBatch = try await store.leaseDueJobs(leaseQuery(channel: "email", provider: "smtp")) { check.decide($0, now: Fixture.now) }
            #expect(mailBatch.leased.map(\.job.id) == ["job_mail"], "a follow-up-only entry lets the reminder go")
            #expect(mailBatch.skipped == 1 && mailBatch.logged.first?.jobID == "job_follow")
            let jobs = try await store.jobs(bookingID: booking.id)
            #expect(jobs.first { $0.id == "job_sms" }?.status == .skipped)
        }
    }

    /// A customer message answered "recipient gone" (Twilio 21610) puts the recipient on
    /// the list; a webhook's "gone" does not (it disables its subscription instead).
    @Test(arguments: StoreFactory.all) func anOptedOutAnswerPutsTheCustomerOnTheList(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sms = Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio", offset: 60)
            sms.recipient = "+441234567890"
            try await Fixture.insert(booking, jobs: [sms], into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { _ in .lease }
            _ = try await store.applyResults([JobResult(
                jobID: "job_sms", attempt: 1,
                resolution: .failed(provider: "twilio", error: "21610: Attempt to send to unsubscribed recipient", recipientGone: true),
                at: Fixture.minutes(1))])
            let entries = try await store.suppressions(tenantID: "acme", channel: nil, limit: 10)
            #expect(entries == [Suppression(
                tenantID: "acme", channel: "sms", recipient: "+441234567890", scope: .all,
                reason: "twilio: 21610: Attempt to send to unsubscribed recipient", source: .provider, createdAt: Fixture.minutes(1))])
            #expect(try await store.bookingContext(tenantID: "acme", eventTypeID: nil, bookingID: nil)?.hasSuppressions == true)
        }
    }

    @Test(arguments: StoreFactory.all) func anOptedOutReceiptPutsTheCustomerOnTheList(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var sms = Fixture.dueJob("job_sms", for: booking, due: Fixture.minutes(-1), channel: "sms", provider: "twilio", offset: 60)
            sms.recipient = "+441234567890"
            try await Fixture.insert(booking, jobs: [sms], into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "sms", provider: "twilio")) { _ in .lease }
            _ = try await store.applyResults([JobResult(
                jobID: "job_sms", attempt: 1, resolution: .sent(provider: "twilio", providerMessageID: "SM1"), at: Fixture.now)])
            _ = try await store.applyReceipts([DeliveryReceipt(
                provider: "twilio", providerMessageID: "SM1", status: .undelivered, providerStatus: "failed", errorCode: "21610",
                error: "Attempt to send to unsubscribed recipient", receivedAt: Fixture.minutes(1), optedOut: .all)])
            let entries = try await store.suppressions(tenantID: "acme", channel: "sms", limit: 10)
            #expect(entries.map(\.recipient) == ["+441234567890"])
            #expect(entries.first?.source == .provider)
            #expect(entries.first?.reason == "twilio: 21610 Attempt to send to unsubscribed recipient")
            #expect(entries.first?.scope == .all)
        }
    }

    /// WhatsApp's 131050 (the user stopped marketing messages) lists follow-ups only,
    /// though the message it came back on was a reminder: reminders still go.
    @Test(arguments: StoreFactory.all) func aMarketingOptOutListsFollowUpsOnly(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            let booking = Fixture.booking()
            var message = Fixture.dueJob(
                "job_wa", for: booking, due: Fixture.minutes(-1), channel: "whatsapp", provider: "whatsapp-cloud", offset: 60)
            message.recipient = "+441234567890"
            try await Fixture.insert(booking, jobs: [message], into: store)
            _ = try await store.leaseDueJobs(leaseQuery(channel: "whatsapp", provider: "whatsapp-cloud")) { _ in .lease }
            _ = try await store.applyResults([JobResult(
                jobID: "job_wa", attempt: 1, resolution: .sent(provider: "whatsapp-cloud", providerMessageID: "wamid.1"), at: Fixture.now)])
            _ = try await store.applyReceipts([DeliveryReceipt(
                provider: "whatsapp-cloud", providerMessageID: "wamid.1", status: .undelivered, providerStatus: "failed",
                errorCode: "131050", error: "User has stopped marketing messages", receivedAt: Fixture.minutes(1),
                optedOut: .followUps)])
            let entries = try await store.suppressions(tenantID: "acme", channel: "whatsapp", limit: 10)
            #expect(entries.map(\.recipient) == ["+441234567890"])
            #expect(entries.first?.scope == .followUps && entries.first?.source == .provider, "\(entries)")
        }
    }
}

extension SuppressionContractTests {
    /// STOP from a number puts it on the list of every tenant that has a booking for
    /// it (on the message's channel); START takes it off; other words and strangers
    /// change nothing.
    @Test(arguments: StoreFactory.all) func stopAndStartRepliesManageTheList(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.createTenant(store, id: "beta")
            try await Fixture.createTenant(store, id: "gamma")
            var booking = Fixture.booking(id: "bk_a")
            booking.customerPhone = "+441234567890"
            try await Fixture.insert(booking, into: store)
            var other = Fixture.booking(id: "bk_b", tenantID: "beta")
            other.customerPhone = "+441234567890"
            try await Fixture.insert(other, into: store)
            func message(_ text: String, from: String = "+441234567890", channel: String = "sms") -> InboundMessage {
                InboundMessage(channel: channel, provider: "twilio", from: from, text: text, receivedAt: Fixture.minutes(1))
            }

            let dispositions = try await store.applyInbound([
                message("STOP"), message("STOP"), message("see you then"), message("STOP", from: "+449999999999"),
            ])
            #expect(dispositions == [.optedOut(tenants: ["acme", "beta"]), .optedOut(tenants: ["acme", "beta"]), .ignored, .ignored])
            for tenant in ["acme", "beta"] {
                let entries = try await store.suppressions(tenantID: tenant, channel: nil, limit: 10)
                #expect(entries == [Suppression(
                    tenantID: tenant, channel: "sms", recipient: "+441234567890", scope: .all, reason: "replied STOP",
                    source: .reply, createdAt: Fixture.minutes(1))], "\(tenant)")
            }
            #expect(try await store.suppressions(tenantID: "gamma", channel: nil, limit: 10).isEmpty)

            // WhatsApp's STOP concerns WhatsApp; START on SMS takes the SMS entries off.
            _ = try await store.applyInbound([message("stop", channel: "whatsapp")])
            #expect(try await store.applyInbound([message("START")]) == [.optedIn(tenants: ["acme", "beta"])])
            #expect(try await store.suppressions(tenantID: "acme", channel: nil, limit: 10).map(\.channel) == ["whatsapp"])
            #expect(try await store.applyInbound([]) == [])
        }
    }
}

extension SuppressionContractTests {
    /// A provider sending the same message again (its id) changes nothing the second
    /// time: a START then a resent STOP does not opt the customer out again.
    @Test(arguments: StoreFactory.all) func aMessageSentAgainIsADuplicate(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await Fixture.createTenant(store)
            try await Fixture.insert(Fixture.booking(id: "bk_a"), into: store)
            func message(_ text: String, id: String, minute: Double) -> InboundMessage {
                InboundMessage(
                    channel: "sms", provider: "twilio", providerMessageID: id, from: "+441234567890", text: text,
                    receivedAt: Fixture.minutes(minute))
            }
            #expect(try await store.applyInbound([message("STOP", id: "SM1", minute: 1)]) == [.optedOut(tenants: ["acme"])])
            #expect(try await store.applyInbound([message("START", id: "SM2", minute: 2)]) == [.optedIn(tenants: ["acme"])])
            #expect(try await store.applyInbound([message("STOP", id: "SM1", minute: 3), message("C", id: "SM2", minute: 3)])
                == [.duplicate, .duplicate])
            #expect(try await store.suppressions(tenantID: "acme", channel: nil, limit: 10).isEmpty)
            // A week later the ids are forgotten.
            #expect(try await store.applyInbound([message("STOP", id: "SM1", minute: 8 * 24 * 60)]) == [.optedOut(tenants: ["acme"])])
        }
    }
}


extension SuppressionContractTests {
    /// A reply that is not an opt-out is kept (for the keyword handler) only when a tenant
    /// with a booking for the sender has reply keywords; kept once; its decision is the
    /// first one stored; finishing forgets it.
    @Test(arguments: StoreFactory.all) func repliesAreKeptUntilTheyHaveActed(_ factory: StoreFactory) async throws {
        try await factory.withStore { store in
            try await store.createTenant(Fixture.tenant(), settings: NotificationSettings(
                tenantID: "acme", replyConfirmKeywords: ["C"], updatedAt: Fixture.now))
            try await Fixture.createTenant(store, id: "beta")
            var booking = Fixture.booking(id: "bk_a")
            booking.customerPhone = "+441234567890"
            try await Fixture.insert(booking, into: store)
            var other = Fixture.booking(id: "bk_b", tenantID: "beta")
            other.customerPhone = "+449876543210"
            try await Fixture.insert(other, into: store)
            func message(_ text: String, id: String, from: String = "+441234567890") -> InboundMessage {
                InboundMessage(channel: "sms", provider: "twilio", providerMessageID: id, from: from, text: text, receivedAt: Fixture.minutes(1))
            }

            let dispositions = try await store.applyInbound([
                message("c", id: "SM1"), message("c", id: "SM1"), message("C", id: "SM2", from: "+449876543210"),
                message("  ", id: "SM3"), message("hello", id: "SM4", from: "+15550000000"),
            ])
            #expect(dispositions == [.reply, .duplicate, .ignored, .ignored, .ignored])
            let kept = try await store.pendingReplies(limit: 10)
            #expect(kept.count == 1)
            let reply = try #require(kept.first)
            #expect(reply.message == message("c", id: "SM1") && reply.decision == nil)

            let first = PendingReply.Decision(bookingID: "bk_a", action: .confirm)
            #expect(try await store.decideReply(id: reply.id, first)?.decision == first)
            #expect(try await store.decideReply(id: reply.id, .init(bookingID: "bk_x", action: .cancel))?.decision == first)
            #expect(try await store.pendingReplies(limit: 10).first?.decision == first)
            try await store.finishReply(id: reply.id)
            #expect(try await store.pendingReplies(limit: 10).isEmpty)
            #expect(try await store.decideReply(id: reply.id, first) == nil)
        }
    }
}
