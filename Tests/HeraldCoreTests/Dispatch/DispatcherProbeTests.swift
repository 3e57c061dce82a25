import Foundation
import HeraldBus
import HeraldProto
import Testing

@testable import HeraldCore

/// Probes (the webhook test ping) and rendering with the tenant's templates, on
/// the dispatcher over a real store and ROUTER with fake workers.
@Suite("dispatcher: probes and templates", .timeLimit(.minutes(2)))
struct DispatcherProbeTests {
    static func probeDelivery(channel: String) -> Herald_V1_Delivery {
        .with {
            $0.deliveryID = "test_1"
            $0.attempt = 1
            $0.channel = channel
        }
    }

    @Test func aProbeGoesToAWorkerOfItsChannelAndReturnsItsAnswerWithoutTouchingTheStore() async throws {
        try await DispatcherTests.withDispatcher { dispatcher, store, _, context, endpoint in
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            async let answer = dispatcher.probe(Self.probeDelivery(channel: "email"), timeout: .seconds(30))
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "test_1")
            worker.answer(delivery, .failed, errorCode: "410", errorMessage: "Gone")
            guard case .answered(let result, _) = await answer else {
                Issue.record("not answered")
                return
            }
            #expect(result.outcome == .failed)
            #expect(result.errorCode == "410")
            #expect(try await store.reminderLog(tenantID: nil, bookingID: nil, limit: 10).isEmpty)

            // The worker's credit came back: a second probe is handed out too.
            async let second = dispatcher.probe(Self.probeDelivery(channel: "email"), timeout: .seconds(30))
            let again = try await worker.nextDelivery()
            worker.answer(again, .sent)
            guard case .answered(let sent, _) = await second else {
                Issue.record("second probe not answered")
                return
            }
            #expect(sent.outcome == .sent)
        }
    }

    @Test func aProbeWithoutAWorkerOfItsChannelSaysSoAtOnce() async throws {
        try await DispatcherTests.withDispatcher { dispatcher, _, _, context, endpoint in
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            let answer = await dispatcher.probe(Self.probeDelivery(channel: "webhook"), timeout: .seconds(30))
            #expect(answer == .noWorker(channel: "webhook"))
        }
    }

    @Test func anUnansweredProbeTimesOut() async throws {
        try await DispatcherTests.withDispatcher { dispatcher, _, _, context, endpoint in
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            let answer = await dispatcher.probe(Self.probeDelivery(channel: "email"), timeout: .milliseconds(300))
            #expect(answer == .timedOut)
        }
    }

    @Test func deliveriesAreRenderedWithTheTenantsTemplate() async throws {
        try await DispatcherTests.withDispatcher { dispatcher, store, clock, context, endpoint in
            try await store.saveTemplate(MessageTemplate(
                tenantID: "acme", kind: .reminder, channel: "email", subject: "Soon: {{reminder}}",
                body: "Dear {{customer_name}}, {{time}}", updatedAt: Fixture.now))
            _ = try await DispatcherTests.bookingWithReminder(store, id: "b1", dueIn: 1, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            clock.advance(by: 60)
            dispatcher.wake()
            let delivery = try await worker.nextDelivery()
            #expect(delivery.message.subject == "Soon: in 1 hour")
            #expect(delivery.message.textBody.hasPrefix("Dear Ada Lovelace, "))
            #expect(delivery.message.htmlBody.contains("<p>Dear Ada Lovelace, "))
        }
    }
}
