import Foundation
import HeraldProto
import HeraldTesting
import Logging
import Testing

@testable import HeraldCore

/// The counters move where the events happen: booking writes plan and skip,
/// the dispatcher hands out, and results count once the store applied them.
@Suite("core metrics", .timeLimit(.minutes(2)))
struct CoreMetricsTests {
    static let sent = "herald_jobs_sent_total"
    static let email = ["channel": "email", "provider": "test"]

    /// A dispatcher counting into fresh metrics, a reminder of booking "b1" (job
    /// "job_b1") due `minutes` from the clock's now, and a registered worker.
    static func withReminderAndWorker(
        dueIn minutes: Double,
        _ body: (HeraldMetrics, SQLiteStore, ManualWallClock, FakeWorker) async throws -> Void
    ) async throws {
        let metrics = HeraldMetrics()
        try await DispatcherTests.withDispatcher(metrics: metrics) { _, store, clock, context, endpoint in
            _ = try await DispatcherTests.bookingWithReminder(store, id: "b1", dueIn: minutes, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            try await body(metrics, store, clock, worker)
        }
    }

    @Test func aBookingWriteCountsPlannedAndSkippedJobsByChannelAndKind() async throws {
        try await withTemporaryStore { store, _ in
            let metrics = HeraldMetrics()
            let service = AdminService(
                store: store, clock: ManualWallClock(Fixture.now), logger: Logger(label: "test"), metrics: metrics)
            _ = try await service.createTenant(.with {
                $0.id = "salon"
                $0.name = "Salon"
            })
            // 30 minutes ahead: the confirmation goes out, both reminders (1440 and 60) are too late.
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.startAt = Timestamp.format(Fixture.minutes(30))
                $0.customerEmail = "ada@example.com"
            })
            let snapshot = metrics.snapshot()
            #expect(snapshot.counter("herald_jobs_planned_total", ["channel": "email", "kind": "confirmation"]) == 1)
            #expect(snapshot.counter("herald_jobs_planned_total", ["channel": "email", "kind": "reminder"]) == nil)
            #expect(snapshot.counter("herald_jobs_skipped_total", ["channel": "email", "kind": "reminder"]) == 2)

            // A booking far ahead plans its reminders too.
            _ = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.startAt = Timestamp.format(Fixture.minutes(3 * 1440))
                $0.customerEmail = "grace@example.com"
            })
            let later = metrics.snapshot()
            #expect(later.counter("herald_jobs_planned_total", ["channel": "email", "kind": "confirmation"]) == 2)
            #expect(later.counter("herald_jobs_planned_total", ["channel": "email", "kind": "reminder"]) == 2)
            #expect(later.counter("herald_jobs_skipped_total", ["channel": "email", "kind": "reminder"]) == 2)
        }
    }

    @Test func sentDeliveriesAreCountedWithTheirLateness() async throws {
        try await Self.withReminderAndWorker(dueIn: -10) { metrics, store, _, worker in
            // Due ten minutes ago (within the grace): sent, 600 s late.
            let delivery = try await worker.nextDelivery()
            #expect(metrics.snapshot().counter("herald_jobs_dispatched_total", Self.email) == 1)
            #expect(metrics.snapshot().counter(Self.sent, Self.email) == nil)

            worker.answer(delivery, .sent, providerMessageID: "msg-1")
            let snapshot = try await waitForMetrics(metrics) { $0.counter(Self.sent, Self.email) == 1 }
            let lateness = try #require(snapshot.histogram("herald_delivery_lateness_seconds", ["channel": "email"]))
            #expect(lateness.count == 1)
            #expect(lateness.sum == 600)
            #expect(lateness.buckets.first { $0.upperBound == 300 }?.count == 0)
            #expect(lateness.buckets.first { $0.upperBound == 900 }?.count == 1)
            #expect(snapshot.counter("herald_jobs_failed_total", Self.email) == nil)
        }
    }

    @Test func aRetryThenAFailureAreCountedOnceEach() async throws {
        try await Self.withReminderAndWorker(dueIn: -1) { metrics, store, clock, worker in
            let first = try await worker.nextDelivery()
            worker.answer(first, .retry, errorCode: "busy")
            _ = try await waitForMetrics(metrics) { $0.counter("herald_jobs_retried_total", Self.email) == 1 }
            try await waitForJob(store, bookingID: "b1") { $0.status == .pending && $0.attempt == 1 }

            clock.advance(by: 11)  // past the 10 s backoff
            worker.heartbeat()
            let second = try await worker.nextDelivery()
            worker.answer(second, .failed, errorCode: "21211", errorMessage: "invalid number")
            let snapshot = try await waitForMetrics(metrics) { $0.counter("herald_jobs_failed_total", Self.email) == 1 }
            #expect(snapshot.counter("herald_jobs_retried_total", Self.email) == 1)
            #expect(snapshot.counter("herald_jobs_dispatched_total", Self.email) == 2)
            #expect(snapshot.counter(Self.sent, Self.email) == nil)
            // Lateness is measured on sent deliveries only.
            #expect(snapshot.histogram("herald_delivery_lateness_seconds", ["channel": "email"]) == nil)
        }
    }

    @Test func aResultForAnUnknownDeliveryCountsNothing() async throws {
        try await Self.withReminderAndWorker(dueIn: -1) { metrics, store, _, worker in
            let delivery = try await worker.nextDelivery()
            worker.answer(Herald_V1_Delivery.with { $0.deliveryID = "job_nobody"; $0.attempt = 1 }, .sent)
            worker.answer(delivery, .sent)
            // Both results were taken in order; the real one is applied once its job is sent.
            try await waitForJob(store, bookingID: "b1") { $0.status == .sent }
            let snapshot = try await waitForMetrics(metrics) { $0.counter(Self.sent, Self.email) != nil }
            #expect(snapshot.counter(Self.sent, Self.email) == 1)
        }
    }

    @Test func aReminderPastTheGraceIsCountedMissed() async throws {
        try await Self.withReminderAndWorker(dueIn: -20) { metrics, store, _, worker in
            let snapshot = try await waitForMetrics(metrics) { $0.counter("herald_jobs_missed_total", ["channel": "email"]) == 1 }
            #expect(snapshot.counter("herald_jobs_dispatched_total", Self.email) == nil)
            try await worker.expectNoDelivery(for: .milliseconds(100))
        }
    }

    @Test func undecodableFramesAreCountedPerEndpoint() async throws {
        let metrics = HeraldMetrics()
        try await DispatcherTests.withDispatcher(metrics: metrics) { dispatcher, _, _, context, endpoint in
            // Both endpoints' series exist from the start, at 0.
            #expect(metrics.snapshot().counter("herald_frames_undecodable_total", ["endpoint": "channel"]) == 0)
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            worker.sendRaw(Data([0x07, 0x01, 0x02]))
            let snapshot = try await waitForMetrics(metrics) {
                $0.counter("herald_frames_undecodable_total", ["endpoint": "channel"]) == 1
            }
            #expect(dispatcher.droppedFrames == 1)
            #expect(snapshot.counter("herald_frames_undecodable_total", ["endpoint": "channel"]) == 1)
        }
    }

    @Test func queueDepthAndWorkersAreCountedWhenRead() async throws {
        try await withTemporaryStore { store, _ in
            let metrics = HeraldMetrics()
            let clock = ManualWallClock(Fixture.now)
            let service = AdminService(store: store, clock: clock, logger: Logger(label: "test"), metrics: metrics)
            _ = try await service.createTenant(.with {
                $0.id = "salon"
                $0.name = "Salon"
            })
            let booking = try await service.createBooking(.with {
                $0.tenantID = "salon"
                $0.startAt = Timestamp.format(Fixture.minutes(3 * 1440))
                $0.customerEmail = "ada@example.com"
            })
            let worker = WorkerSnapshot(
                channel: "sms", provider: "twilio", instanceID: "sms-1", pluginVersion: "1", maxInFlight: 4, inFlight: 0,
                connectedAt: Fixture.now, lastHeardAt: Fixture.now)
            let stats = try await service.getStats(.init(), workers: [worker])
            #expect(stats.now == Timestamp.format(Fixture.now))
            #expect(Self.gauge(stats, "herald_queue_depth", ["channel": "email", "state": "due"]) == 1)
            #expect(Self.gauge(stats, "herald_queue_depth", ["channel": "email", "state": "scheduled"]) == 2)
            #expect(Self.gauge(stats, "herald_queue_depth", ["channel": "email", "state": "leased"]) == 0)
            #expect(Self.gauge(stats, "herald_workers_connected", ["channel": "email"]) == 0)
            #expect(Self.gauge(stats, "herald_workers_connected", ["channel": "sms"]) == 1)

            // The worker left and the booking was cancelled (a cancellation notice is due):
            // the series stay, at their new values.
            _ = try await service.cancelBooking(.with { $0.id = booking.id })
            let after = try await service.getStats(.init(), workers: [])
            #expect(Self.gauge(after, "herald_queue_depth", ["channel": "email", "state": "due"]) == 1)
            #expect(Self.gauge(after, "herald_queue_depth", ["channel": "email", "state": "scheduled"]) == 0)
            #expect(Self.gauge(after, "herald_queue_depth", ["channel": "sms", "state": "due"]) == 0)
            #expect(Self.gauge(after, "herald_workers_connected", ["channel": "sms"]) == 0)
        }
    }

    static func gauge(_ stats: Herald_V1_GetStatsResponse, _ name: String, _ labels: [String: String]) -> Double? {
        stats.gauges.first { sample in
            sample.name == name && Dictionary(uniqueKeysWithValues: sample.labels.map { ($0.name, $0.value) }) == labels
        }?.value
    }
}

/// Polls the metrics until `done` holds (bounded), and returns what satisfied it.
func waitForMetrics(
    _ metrics: HeraldMetrics, timeout: Duration = .seconds(20), _ done: (MetricsSnapshot) -> Bool
) async throws -> MetricsSnapshot {
    try await waitFor("the metrics to reach the expected state; they are:\n\(metrics.exposition())", within: timeout) {
        let snapshot = metrics.snapshot()
        return done(snapshot) ? snapshot : nil
    }
}
