import Foundation
import Logging

/// Follows an ``EventPublisher``: a SUB socket on its own thread, for `herald tail`.
///
/// The topic filter runs in libzmq (on the publisher's side with TCP), so only
/// matching events cross the wire. Like all PUB/SUB, events published before
/// the subscription is in place are not seen.
public final class EventSubscriber: Sendable {
    /// Matching events in arrival order; finishes when the subscriber is closed.
    public let events: AsyncStream<PublishedEvent>
    private let socket: SocketThread
    private let monitor: HandshakeMonitor

    /// Connects and subscribes.
    /// - Parameter topics: topic prefixes to receive, e.g. `["booking."]`; `[""]` receives everything.
    public init(
        context: ZMQContext,
        endpoint: String,
        topics: [String] = [""],
        bufferLimit: Int = 10_000,
        curve: CurveOptions? = nil,
        logger: Logger
    ) throws(ZMQError) {
        let (events, continuation) = AsyncStream.makeStream(
            of: PublishedEvent.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        self.events = events
        var monitor: HandshakeMonitor?
        let ownMonitor = LateRef<HandshakeMonitor>()
        socket = try SocketThread(
            context: context, kind: .sub, name: "events-sub", logger: logger,
            configure: { socket throws(ZMQError) in
                // A refused handshake is not going to succeed on retry: end the stream and say why.
                monitor = try HandshakeMonitor(
                    watching: socket, usingCurve: curve != nil, context: context, logger: logger,
                    onFailure: { _ in continuation.finish() })
                try socket.apply(ZMQSocketOptions(linger: .zero, maxMessageSize: FrameLimits.event, curve: curve))
                for topic in topics { try socket.subscribe(Data(topic.utf8)) }
                // Every core publishes its own events: follow them all.
                for core in CoreEndpoints.split(endpoint) { try socket.connect(core) }
            },
            onMessage: { frames in
                guard frames.count == 2 else {
                    logger.warning("dropped an event that is not [topic, payload]", metadata: ["frames": "\(frames.count)"])
                    return
                }
                continuation.yield(PublishedEvent(topic: String(decoding: frames[0], as: UTF8.self), payload: frames[1]))
            },
            onStop: {
                continuation.finish()
                ownMonitor.value?.close() // only now that the socket is closed (see HandshakeMonitor)
            })
        self.monitor = monitor!
        ownMonitor.value = monitor
    }

    deinit { close() }

    /// Why ``events`` finished early: the publisher refused the handshake. Nil otherwise.
    public var handshakeFailure: String? { monitor.lastFailure }

    /// Disconnects; ``events`` then finishes.
    public func close() {
        socket.stop() // and then, on the socket's thread, the monitor
    }
}
