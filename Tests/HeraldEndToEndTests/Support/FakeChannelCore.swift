import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization

/// The core's channel endpoint and nothing else: welcomes one worker, hands it
/// deliveries the test builds, and collects its results. For cases the real
/// core does not produce yet (WhatsApp template messages).
final class FakeChannelCore: Sendable {
    let context: ZMQContext
    let router: RouterEndpoint
    private let received = Mutex<[(peer: Data, message: Herald_V1_WorkerMessage)]>([])

    init() throws {
        context = try ZMQContext()
        router = try RouterEndpoint(
            context: context, configuration: .init(endpoint: "tcp://127.0.0.1:*", linger: .zero),
            logger: Logger(label: "fake-core", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    var endpoint: String { router.boundEndpoint }

    /// Reads the ROUTER until it closes, welcoming registrations and answering
    /// heartbeats; run it in a child task.
    func pump() async {
        for await raw in router.messages {
            guard let message = try? Herald_V1_WorkerMessage(serializedBytes: raw.payload) else { continue }
            received.withLock { $0.append((raw.peer, message)) }
            switch message.body {
            case .register:
                send(.welcome(.with { $0.heartbeatIntervalMs = 1000; $0.leaseMs = 30_000; $0.coreVersion = "fake" }), to: raw.peer)
            case .heartbeat:
                send(.heartbeat(.with { $0.sentAtMs = Int64(Date().timeIntervalSince1970 * 1000) }), to: raw.peer)
            default:
                break
            }
        }
    }

    private func send(_ body: Herald_V1_CoreMessage.OneOf_Body, to peer: Data) {
        guard let frame = try? Herald_V1_CoreMessage.with({ $0.body = body }).serializedData() else { return }
        router.send(to: peer, frames: [frame])
    }

    /// Waits for a registered worker and hands it `delivery`.
    func deliver(_ delivery: Herald_V1_Delivery) async throws {
        let peer = try await waitFor("a worker to register", within: .seconds(30)) {
            received.withLock { all in all.first { if case .register = $0.message.body { true } else { false } }?.peer }
        }
        send(.delivery(delivery), to: peer)
    }

    /// Waits for the result of `deliveryID`.
    func result(for deliveryID: String, timeout: Duration = .seconds(30)) async throws -> Herald_V1_Result {
        try await waitFor("the result for \(deliveryID)", within: timeout) {
            received.withLock { all in
                all.lazy.compactMap { if case .result(let r) = $0.message.body { r } else { nil } }.first { $0.deliveryID == deliveryID }
            }
        }
    }

    func close() { router.close() }
}
