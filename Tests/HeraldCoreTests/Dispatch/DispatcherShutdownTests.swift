import Foundation
import HeraldBus
import HeraldProto
import Logging
import ServiceLifecycle
import HeraldTesting
import Testing

@testable import HeraldCore

/// The `Shutdown` the core sends its workers when it stops.
@Suite("the dispatcher tells its workers when it stops", .timeLimit(.minutes(2)))
struct DispatcherShutdownTests {
    typealias Dispatch = DispatcherTests

    /// A graceful shutdown tells every registered worker (and no one else), then
    /// keeps the endpoint open until they said Goodbye, however long the grace.
    @Test func gracefulShutdownSendsShutdownToEveryWorkerAndWaitsForTheirGoodbye() async throws {
        var configuration = Dispatch.configuration
        configuration.shutdownGrace = .seconds(600)
        try await Self.withShutdown(configuration) { context, endpoint, _, _, trigger in
            let first = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "w-1")
            let second = try await FakeWorker.register(
                context: context, endpoint: endpoint, maxInFlight: 1, instance: "w-2", channel: "chat")
            defer { first.close(); second.close() }
            let stranger = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { stranger.close() }
            stranger.heartbeat()
            _ = try await stranger.nextReject()

            await trigger()
            for worker in [first, second] {
                let shutdown = try #require(try await worker.nextShutdown())
                #expect(shutdown.reason == "the core is shutting down")
                worker.send(.goodbye(.with { $0.reason = "the core is shutting down" }))
            }
            #expect(try await stranger.nextShutdown(timeout: .milliseconds(300)) == nil)
        }
    }

    /// A worker that never answers Shutdown holds the endpoint open for the grace only.
    @Test func aSilentWorkerDelaysTheCloseByTheGraceOnly() async throws {
        var configuration = Dispatch.configuration
        configuration.shutdownGrace = .milliseconds(300)
        try await Self.withShutdown(configuration) { context, endpoint, _, _, trigger in
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            await trigger()
            #expect(try await worker.nextShutdown() != nil)
        }
    }

    /// A result waiting for the loop's next turn (``ResultHold``) is committed when the
    /// core stops: its job was sent, and left leased it would go out again.
    @Test func aHeldResultIsCommittedWhenTheCoreStops() async throws {
        var configuration = Dispatch.configuration
        configuration.resultHold = .seconds(600)
        try await Self.withShutdown(configuration) { context, endpoint, store, metrics, trigger in
            let booking = try await Dispatch.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            let delivery = try await worker.nextDelivery()
            worker.answer(delivery, .sent, providerMessageID: "msg-1")
            // A malformed result (attempt 0) after the real one on the same connection,
            // refused as soon as the loop reads it: once it is counted, the real one has
            // reached the loop too (and is held).
            worker.send(.result(.with { $0.deliveryID = "job_other"; $0.attempt = 0; $0.outcome = .sent }))
            try await eventually("the malformed result refused") {
                HostileWorkerTests.counter(
                    metrics, "herald_messages_refused_total", ["endpoint": "channel", "reason": "invalid_result"]) == 1
            }
            #expect(try await store.reminderLog(tenantID: booking.tenantID, bookingID: "b1", limit: 10).isEmpty)

            await trigger()
            _ = try await worker.nextShutdown()
            worker.send(.goodbye(.with { $0.reason = "the core is shutting down" }))
            let log = try await waitForLog(store, bookingID: "b1") { !$0.isEmpty }
            #expect(log.map(\.outcome) == [.sent])
            #expect(log.first?.providerMessageID == "msg-1")
        }
    }

    /// Runs a dispatcher in a service group while `body` runs; `body` triggers the
    /// graceful shutdown, after which the group must end within a minute.
    static func withShutdown(
        _ configuration: DispatcherConfiguration,
        _ body: (ZMQContext, String, SQLiteStore, HeraldMetrics, @Sendable () async -> Void) async throws -> Void
    ) async throws {
        try await withTemporaryStore { store, _ in
            try await Fixture.createTenant(store)
            let context = try ZMQContext()
            let logger = Logger(label: "shutdown-test") { _ in SwiftLogNoOpLogHandler() }
            let endpoint = try RouterEndpoint(
                context: context, configuration: .init(endpoint: "tcp://127.0.0.1:*"), logger: logger)
            let metrics = HeraldMetrics()
            let dispatcher = Dispatcher(
                store: store, endpoint: endpoint, clock: ManualWallClock(Fixture.now),
                configuration: configuration, coreVersion: "test", logger: logger, metrics: metrics)
            let group = ServiceGroup(services: [dispatcher], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await body(
                    context, endpoint.boundEndpoint, store, metrics, { await group.triggerGracefulShutdown() })
                tasks.addTask {
                    try await Task.sleep(for: .seconds(60))
                    throw TimedOut(what: "the dispatcher to stop", after: .seconds(60))
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        }
    }
}
