import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

@testable import HeraldCore

/// Workers that lie, flood or speak out of turn, on a real ROUTER: each message
/// is refused or ignored, counted and logged, the core stays up, and every job
/// still reaches the worker that holds it.
@Suite("hostile workers", .timeLimit(.minutes(2)))
struct HostileWorkerTests {
    typealias Dispatch = DispatcherTests

    @Test func impossibleRegistrationsAreRejectedAndCounted() async throws {
        let metrics = HeraldMetrics()
        try await Dispatch.withDispatcher(metrics: metrics) { _, _, _, context, endpoint in
            let peer = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { peer.close() }
            var bad: [Herald_V1_Register] = []
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 0) })
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 1_000_000) })
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 1); $0.protocolVersion = .init(rawValue: 99)! })
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 1); $0.instanceID = "" })
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 1); $0.channel = String(repeating: "x", count: 100_000) })
            bad.append(.with { $0 = FakeWorker.registration(maxInFlight: 1); $0.pluginVersion = String(repeating: "v", count: 65) })
            bad.append(.with {
                $0 = FakeWorker.registration(maxInFlight: 1)
                $0.capabilities = Array(repeating: "c", count: 65)
            })
            for register in bad {
                peer.send(.register(register))
                let reject = try await peer.nextReject()
                #expect(reject != nil, "no Reject for \(register.maxInFlight) \(register.instanceID.prefix(10))")
            }
            #expect(Self.counter(metrics, "herald_messages_refused_total", ["endpoint": "channel", "reason": "invalid_register"]) == 7)
            // The same connection may still register properly.
            peer.send(.register(FakeWorker.registration(maxInFlight: 1)))
            try await eventually("welcomed") { peer.takeWelcomes() == 1 }
        }
    }

    @Test func heartbeatsAndGoodbyesBeforeRegisterAreRefused() async throws {
        let metrics = HeraldMetrics()
        try await Dispatch.withDispatcher(metrics: metrics) { _, _, _, context, endpoint in
            let peer = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { peer.close() }
            peer.send(.goodbye(.with { $0.reason = "never came" }))
            peer.heartbeat()
            let reject = try await peer.nextReject()
            #expect(reject?.reason.hasPrefix("not registered") == true)
            try await eventually("both counted") {
                Self.counter(metrics, "herald_messages_refused_total", ["endpoint": "channel", "reason": "not_registered"]) == 2
            }
        }
    }

    /// Runs `body` with booking `b1`'s reminder handed to a worker of credit 1.
    static func withHandedOutJob(
        metrics: HeraldMetrics = HeraldMetrics(),
        _ body: (SQLiteStore, FakeWorker, Herald_V1_Delivery) async throws -> Void
    ) async throws {
        try await Dispatch.withDispatcher(metrics: metrics) { _, store, _, context, endpoint in
            _ = try await Dispatch.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1)
            defer { worker.close() }
            try await body(store, worker, try await worker.nextDelivery())
        }
    }

    @Test func impossibleResultsAreRefusedAndTheJobGoesOutAgain() async throws {
        let metrics = HeraldMetrics()
        try await Self.withHandedOutJob(metrics: metrics) { store, worker, first in
            worker.send(.result(.with { $0.deliveryID = ""; $0.attempt = 1; $0.outcome = .sent }))
            worker.send(.result(.with { $0.deliveryID = first.deliveryID; $0.attempt = 0; $0.outcome = .sent }))
            // No outcome at all: refused, and the job goes back to the queue at once.
            worker.send(.result(.with { $0.deliveryID = first.deliveryID; $0.attempt = first.attempt }))
            let again = try await worker.nextDelivery()
            #expect(again.deliveryID == first.deliveryID)
            #expect(again.attempt == first.attempt + 1)
            #expect(Self.counter(metrics, "herald_messages_refused_total", ["endpoint": "channel", "reason": "invalid_result"]) == 3)

            worker.answer(again, .sent, providerMessageID: "real")
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .sent } }
            #expect(log.map(\.providerMessageID) == ["real"])
        }
    }

    /// Only the holder's answer counts: a result from another worker for the
    /// same delivery and attempt changes nothing, and the holder's still lands.
    @Test func aResultForAnotherWorkersDeliveryIsIgnored() async throws {
        let metrics = HeraldMetrics()
        try await Dispatch.withDispatcher(metrics: metrics) { dispatcher, store, _, context, endpoint in
            // The impostor's credit is used up by a job of its own, so the next one goes to the holder.
            _ = try await Dispatch.bookingWithReminder(store, id: "b0", dueIn: -2, jobID: "job_b0")
            let impostor = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "impostor")
            defer { impostor.close() }
            let its = try await impostor.nextDelivery()
            let holder = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "holder")
            defer { holder.close() }
            _ = try await Dispatch.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            dispatcher.wake()
            let delivery = try await holder.nextDelivery()

            impostor.answer(delivery, .sent, providerMessageID: "forged")
            impostor.answer(delivery, .failed, errorMessage: "forged")
            impostor.send(.result(.with { $0.deliveryID = "job_nobody"; $0.attempt = 1; $0.outcome = .sent }))
            try await eventually("ignored") {
                Self.counter(metrics, "herald_results_ignored_total", ["reason": "other_worker"]) == 2
                    && Self.counter(metrics, "herald_results_ignored_total", ["reason": "unknown_delivery"]) == 1
            }
            #expect(try await store.jobs(bookingID: "b1").first?.status == .leased)

            holder.answer(delivery, .sent, providerMessageID: "real")
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .sent } }
            #expect(log.map(\.providerMessageID) == ["real"])
            // A second answer for a finished delivery is ignored too.
            holder.answer(delivery, .failed)
            try await eventually("finished ignored") {
                Self.counter(metrics, "herald_results_ignored_total", ["reason": "finished"]) == 1
            }
            impostor.answer(its, .sent)
            _ = try await waitForLog(store, bookingID: "b0") { $0.contains { $0.outcome == .sent } }
        }
    }

    @Test func freeTextInAResultIsCutBeforeItIsStored() async throws {
        try await Self.withHandedOutJob { store, worker, delivery in
            worker.answer(delivery, .failed, errorCode: String(repeating: "c", count: 5000),
                          errorMessage: String(repeating: "m", count: 500_000))
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .failed } }
            let error = try #require(log.first?.error)
            #expect(error.count <= Herald_V1_Result.maxErrorCode + Herald_V1_Result.maxErrorMessage + 3)
            #expect(error.hasPrefix("ccc"))
        }
    }

    /// A provider's "retry in 49 days" cannot park a job for 49 days: past the
    /// retry window the job fails, as any retry would.
    @Test func anAbsurdRetryAfterFailsTheJob() async throws {
        try await Self.withHandedOutJob { store, worker, delivery in
            worker.answer(delivery, .retry, retryAfterMs: .max)
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .failed } }
            #expect(log.first?.error?.contains("older than") == true, "\(log)")
        }
    }

    /// A peer re-registering and heartbeating as fast as it can gets a burst
    /// through, then nothing: no reply, no turn of the loop, a few log lines.
    @Test func aFloodOfControlMessagesIsCutToThePeersBudget() async throws {
        let metrics = HeraldMetrics()
        let logs = CapturedLogs()
        try await Dispatch.withDispatcher(metrics: metrics, logHandler: logs) { dispatcher, store, _, context, endpoint in
            let flooder = try await FakeWorker.register(
                context: context, endpoint: endpoint, maxInFlight: 1, instance: "flooder", channel: "sms", provider: "twilio")
            defer { flooder.close() }
            let register = FakeWorker.registration(maxInFlight: 1, instance: "flooder", channel: "sms", provider: "twilio")
            for index in 0..<1000 {
                if index.isMultiple(of: 2) { flooder.heartbeat() } else { flooder.send(.register(register)) }
            }
            let refused = ["endpoint": "channel", "reason": "rate_limited"]
            // 20 at once, then a few a second: however slow this machine, most are refused.
            try await eventually("refused") { Self.counter(metrics, "herald_messages_refused_total", refused) ?? 0 >= 800 }
            #expect(flooder.takeWelcomes() <= 200)
            #expect(logs.count(of: "refused a worker message") <= 10)

            // A well-behaved worker on another connection is served as before.
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "calm")
            defer { worker.close() }
            _ = try await Dispatch.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            dispatcher.wake()
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "job_b1")
        }
    }

    /// Results for deliveries the sender does not hold reach the store at most at
    /// the stranger rate; the rest is refused without a lookup.
    @Test func aFloodOfStrangerResultsIsCutToThePeersBudget() async throws {
        let metrics = HeraldMetrics()
        try await Dispatch.withDispatcher(metrics: metrics) { _, _, _, context, endpoint in
            let peer = try FakeWorker.connect(context: context, endpoint: endpoint)
            defer { peer.close() }
            for index in 0..<2000 {
                peer.send(.result(.with { $0.deliveryID = "job_forged_\(index)"; $0.attempt = 1; $0.outcome = .sent }))
            }
            let limited = ["endpoint": "channel", "reason": "rate_limited"]
            try await eventually("every result accounted for", within: .seconds(30)) {
                let ignored = Self.counter(metrics, "herald_results_ignored_total", ["reason": "unknown_delivery"]) ?? 0
                let refused = Self.counter(metrics, "herald_messages_refused_total", limited) ?? 0
                return ignored + refused == 2000
            }
            #expect(Self.counter(metrics, "herald_messages_refused_total", limited) ?? 0 >= 1)
            #expect(Self.counter(metrics, "herald_results_ignored_total", ["reason": "unknown_delivery"]) ?? 0 >= 1000)
        }
    }

    static func counter(_ metrics: HeraldMetrics, _ name: String, _ labels: [String: String]) -> Double? {
        metrics.snapshot().counter(name, labels)
    }
}

/// Log lines a test can count.
final class CapturedLogs: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append(event.message.description) }
    }

    func count(of message: String) -> Int { lines.withLock { $0.filter { $0 == message }.count } }
}
