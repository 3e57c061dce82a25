import Foundation
import HeraldBus
import Logging
import SwiftProtobuf

/// One attempt at talking to the core: a DEALER on its own ``SocketThread``.
///
/// Every attempt gets a fresh socket, and so a fresh identity at the core's
/// ROUTER: nothing queued for a core presumed dead leaks into the next session,
/// and the core sees a new worker that registers again.
final class ChannelConnection: Sendable {
    /// Distinguishes this connection's events from those of earlier ones.
    let serial: UInt64
    private let socket: SocketThread
    /// Logs why the core refused the handshake, which otherwise looks like a core that is down.
    private let monitor: HandshakeMonitor?
    private let closed: AsyncStream<Void>
    private let logger: Logger

    /// Connects (libzmq keeps connecting in the background, so this succeeds
    /// while no core listens) and passes each inbound frame, decoded, to `onMessage`.
    ///
    /// - Throws: ``ZMQError`` for an endpoint libzmq cannot use at all.
    init(
        context: ZMQContext,
        endpoint: String,
        curve: CurveOptions?,
        serial: UInt64,
        logger: Logger,
        onMessage: @escaping @Sendable (Herald_V1_CoreMessage?) -> Void
    ) throws(ZMQError) {
        let (closed, closedContinuation) = AsyncStream.makeStream(of: Void.self)
        self.serial = serial
        self.closed = closed
        self.logger = logger
        var monitor: HandshakeMonitor?
        self.socket = try SocketThread(
            context: context, kind: .dealer, name: "channel-\(serial)", logger: logger,
            configure: { socket throws(ZMQError) in
                monitor = try HandshakeMonitor(watching: socket, usingCurve: curve != nil, context: context, logger: logger)
                try socket.apply(ZMQSocketOptions(
                    // Long enough to hand a final Result and Goodbye to a live core.
                    linger: .seconds(1),
                    // A delivery carries rendered HTML at most; anything larger is hostile.
                    maxMessageSize: FrameLimits.delivery,
                    // Messages wait in our queue, not in a pipe to a core that may never answer.
                    immediate: true,
                    curve: curve))
                try socket.connect(endpoint)
            },
            onMessage: { frames in
                guard frames.count == 1 else { return onMessage(nil) }
                onMessage(try? Herald_V1_CoreMessage(serializedBytes: frames[0]))
            },
            onStop: { closedContinuation.finish() })
        self.monitor = monitor
    }

    deinit { close() }

    /// Queues one `WorkerMessage`; never blocks. One not taken by `deadline` is dropped.
    func send(_ body: Herald_V1_WorkerMessage.OneOf_Body, deadline: ContinuousClock.Instant? = nil) {
        let message = Herald_V1_WorkerMessage.with { $0.body = body }
        guard let frame = try? message.serializedData() else {
            logger.error("could not encode a WorkerMessage")
            return
        }
        let logger = self.logger
        socket.send([frame], deadline: deadline) { outcome in
            if outcome != .sent {
                logger.debug("message to the core not sent", metadata: ["outcome": "\(outcome)"])
            }
        }
    }

    /// Closes the socket without waiting; what is queued gets LINGER to leave.
    func close() {
        socket.stop()
        monitor?.close()
    }

    /// Closes the socket and returns once libzmq holds what was queued.
    func closeAndWait() async {
        socket.stop()
        for await _ in closed {}
        monitor?.close()
    }
}
