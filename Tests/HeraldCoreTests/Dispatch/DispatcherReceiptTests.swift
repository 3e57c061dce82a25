import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Testing

@testable import HeraldCore

extension FakeWorker {
    /// Sends one report of these receipts and waits for its acknowledgement.
    func report(_ id: UInt64, _ receipts: [Herald_V1_Receipt]) async throws {
        send(.report(.with {
            $0.reportID = id
            $0.receipts = receipts
        }))
        let ack = try await nextMessage { if case .reportAck(let ack) = $0.body { ack.reportID == id } else { false } }
        #expect(ack != nil, "no ReportAck for report \(id)")
    }
}

/// Receipts through the dispatcher's loop: acknowledged once stored, and a receipt
/// that overtook its message's result is tried again a second later.
@Suite("dispatcher: receipts", .timeLimit(.minutes(2)))
struct DispatcherReceiptTests {
    static func receipt(_ messageID: String, _ status: Herald_V1_DeliveryStatus) -> Herald_V1_Receipt {
        .with {
            $0.provider = "test"
            $0.providerMessageID = messageID
            $0.status = status
            $0.providerStatus = "delivered"
        }
    }

    @Test func aReceiptThatOvertookItsResultIsAppliedOnItsSecondTry() async throws {
        let metrics = HeraldMetrics()
        try await DispatcherTests.withDispatcher(metrics: metrics) { dispatcher, store, clock, context, endpoint in
            let booking = try await DispatcherTests.bookingWithReminder(store, id: "b1", dueIn: 0, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            let delivery = try await worker.nextDelivery()

            // The provider's callback comes first: the core acknowledges it, knows no
            // such message yet, and keeps the receipt for another try.
            try await worker.report(1, [Self.receipt("M1", .delivered), Self.receipt("M-unknown", .delivered)])
            worker.answer(delivery, .sent, providerMessageID: "M1")
            try await eventually("the sent row") {
                try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).contains { $0.outcome == .sent }
            }
            #expect(try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).first?.delivery == nil)

            clock.advance(by: 1)
            dispatcher.wake()
            try await eventually("the parked receipt applied") {
                try await store.reminderLog(tenantID: "acme", bookingID: booking.id, limit: 10).first?.delivery?.status == .delivered
            }
            let labels = ["channel": "email", "provider": "test"]
            try await eventually("the unknown receipt counted once, after its second try") {
                metrics.snapshot().counter("herald_receipts_total", labels.merging(["result": "unknown"]) { $1 }) == 1
            }
            #expect(metrics.snapshot().counter("herald_receipts_total", labels.merging(["result": "updated"]) { $1 }) == 1)
        }
    }

    @Test func aReportBeforeRegisterIsRejectedAndNotAcknowledged() async throws {
        try await DispatcherTests.withDispatcher { _, _, _, context, endpoint in
            let worker = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { worker.close() }
            worker.send(.report(.with {
                $0.reportID = 9
                $0.receipts = [Self.receipt("M1", .delivered)]
            }))
            #expect(try await worker.nextReject() != nil)
            let ack = try await worker.nextMessage(timeout: .milliseconds(300)) { if case .reportAck = $0.body { true } else { false } }
            #expect(ack == nil)
        }
    }
}
