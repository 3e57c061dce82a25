import Foundation
import HeraldBus
import HeraldProto
import Logging
import ServiceLifecycle

/// The channel endpoint: where channel workers register.
///
/// This version of the core stores notifications but does not dispatch them
/// yet, so it answers every `Register` with a `Reject` that says so, answers
/// heartbeats, and drops (counting) every frame that is not a `WorkerMessage`.
/// Nothing a worker sends can stop it.
final class ChannelEndpoint: Service, Sendable {
    private let router: RouterEndpoint
    private let logger: Logger

    init(context: ZMQContext, endpoint: String, logger: Logger) throws {
        router = try RouterEndpoint(
            context: context, configuration: RouterEndpoint.Configuration(endpoint: endpoint), logger: logger)
        self.logger = logger
    }

    var boundEndpoint: String { router.boundEndpoint }

    /// Frames dropped by the socket layer or because they did not decode.
    var droppedFrames: UInt64 { router.droppedFrames }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.router.run() }
            for await message in router.messages.cancelOnGracefulShutdown() {
                handle(message)
            }
            group.cancelAll()
        }
    }

    /// The endpoint has already dropped empty and multi-frame messages.
    private func handle(_ received: RouterMessage) {
        let peer = received.peer
        guard let message = try? Herald_V1_WorkerMessage(serializedBytes: received.payload), message.body != nil else {
            router.drop(received, reason: "not a WorkerMessage")
            return
        }
        switch message.body {
        case .register(let register):
            logger.notice(
                "rejected channel worker: this core does not dispatch deliveries yet",
                metadata: ["channel": "\(register.channel)", "provider": "\(register.provider)", "instance": "\(register.instanceID)"])
            reply(to: peer, .reject(.with { $0.reason = "this core does not dispatch deliveries yet" }))
        case .heartbeat:
            reply(to: peer, .heartbeat(.with { $0.sentAtMs = Int64(Date().timeIntervalSince1970 * 1000) }))
        case .result(let result):
            logger.info("ignored a result for an unknown delivery", metadata: ["delivery": "\(result.deliveryID)"])
        case .goodbye, .none:
            break
        }
    }

    private func reply(to peer: Data, _ body: Herald_V1_CoreMessage.OneOf_Body) {
        let message = Herald_V1_CoreMessage.with { $0.body = body }
        guard let payload = try? message.serializedData() else { return }
        router.send(to: peer, frames: [payload])
    }
}
