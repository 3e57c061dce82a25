import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

/// A stand-in for heraldd's channel endpoint: a ROUTER on a free loopback port
/// that records every `WorkerMessage` with its sender and arrival time, and
/// answers heartbeats like the real core unless told to fall silent.
final class FakeCore: Sendable {
    struct Received: Sendable {
        let peer: Data
        let message: Herald_V1_WorkerMessage
        let at: ContinuousClock.Instant

        var register: Herald_V1_Register? { if case .register(let r) = message.body { r } else { nil } }
        var result: Herald_V1_Result? { if case .result(let r) = message.body { r } else { nil } }
        var heartbeat: Herald_V1_Heartbeat? { if case .heartbeat(let h) = message.body { h } else { nil } }
        var goodbye: Herald_V1_Goodbye? { if case .goodbye(let g) = message.body { g } else { nil } }
    }

    let context: ZMQContext
    let router: RouterEndpoint
    private let log = Mutex<[Received]>([])
    private let answersHeartbeats: Atomic<Bool>

    init(answersHeartbeats: Bool = true) throws {
        context = try ZMQContext()
        router = try RouterEndpoint(
            context: context, configuration: .init(endpoint: "tcp://127.0.0.1:*", linger: .zero), logger: .quiet)
        self.answersHeartbeats = Atomic(answersHeartbeats)
    }

    var endpoint: String { router.boundEndpoint }
    var received: [Received] { log.withLock { $0 } }

    /// Stop answering heartbeats (and so look dead to the worker), or start again.
    func setAnswersHeartbeats(_ on: Bool) { answersHeartbeats.store(on, ordering: .relaxed) }

    /// Consumes the ROUTER's messages until it closes; run it in a child task.
    func pump() async {
        for await raw in router.messages {
            guard let message = try? Herald_V1_WorkerMessage(serializedBytes: raw.payload) else {
                Issue.record("the worker sent a frame that is not a WorkerMessage")
                continue
            }
            log.withLock { $0.append(Received(peer: raw.peer, message: message, at: .now)) }
            if case .heartbeat = message.body, answersHeartbeats.load(ordering: .relaxed) {
                send(.heartbeat(.with { $0.sentAtMs = Int64(Date().timeIntervalSince1970 * 1000) }), to: raw.peer)
            }
        }
    }

    func send(_ body: Herald_V1_CoreMessage.OneOf_Body, to peer: Data) {
        let frame = try! Herald_V1_CoreMessage.with { $0.body = body }.serializedData()
        router.send(to: peer, frames: [frame])
    }

    /// Five seconds between heartbeats by default, like the real core: a worker takes a
    /// core that stays silent for three intervals for dead and reconnects under a new
    /// identity, so messages sent to the old one are lost. With one second, a machine
    /// stalled for three did exactly that in tests that are not about liveness.
    func welcome(_ peer: Data, heartbeatIntervalMs: UInt32 = 5000) {
        send(.welcome(.with {
            $0.heartbeatIntervalMs = heartbeatIntervalMs
            $0.leaseMs = 30_000
            $0.coreVersion = "fake"
        }), to: peer)
    }

    /// Waits for the worker's first `Register` and welcomes it; returns its peer identity.
    @discardableResult
    func acceptRegistration(heartbeatIntervalMs: UInt32 = 5000) async throws -> Data {
        let peer = try await waitFor("a Register") { $0.first { $0.register != nil }?.peer }
        welcome(peer, heartbeatIntervalMs: heartbeatIntervalMs)
        return peer
    }

    /// Polls what was received until `find` returns a value or `timeout` passes.
    func waitFor<T>(
        _ what: String, timeout: Duration = .seconds(20),
        _ find: ([Received]) -> T?
    ) async throws -> T {
        try await HeraldTesting.waitFor(what, within: timeout) { find(received) }
    }

    /// Waits for the Result of `deliveryID`.
    func result(for deliveryID: String, timeout: Duration = .seconds(20)) async throws -> Herald_V1_Result {
        try await waitFor("the Result for \(deliveryID)", timeout: timeout) { all in
            all.lazy.compactMap(\.result).first { $0.deliveryID == deliveryID }
        }
    }

    func close() { router.close() }
}

extension Logger {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A delivery as the core would hand it out: an SMS reminder.
func makeDelivery(_ id: String, attempt: UInt32 = 1, notAfterMs: Int64 = 0) -> Herald_V1_Delivery {
    .with {
        $0.deliveryID = id
        $0.attempt = attempt
        $0.tenantID = "t-1"
        $0.bookingID = "b-1"
        $0.kind = .reminder
        $0.channel = "sms"
        $0.recipient = .with { $0.name = "Ada"; $0.phone = "+441632960001" }
        $0.message = .with { $0.textBody = "Your appointment is tomorrow at 10:00." }
        $0.notAfterMs = notAfterMs
        $0.reminderOffsetMinutes = 1440
        $0.scheduleVersion = 1
    }
}
