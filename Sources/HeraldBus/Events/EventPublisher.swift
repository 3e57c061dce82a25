import Foundation
import Logging
import ServiceLifecycle

/// The core's best-effort live event stream: a PUB socket on its own thread.
///
/// PUB drops messages when nobody subscribes, at the high-water mark, and while
/// a subscriber is still joining, which is acceptable only because nothing
/// depends on these events (`herald tail` shows them; deliveries go over
/// ROUTER/DEALER). Each event is two frames, `[topic, payload]`, so subscribers
/// filter by topic prefix in libzmq without decoding payloads.
public final class EventPublisher: Service, Sendable {
    /// The endpoint actually bound, with a wildcard port resolved.
    public let boundEndpoint: String
    private let socket: SocketThread

    /// Binds at once, so a bad or busy endpoint throws a ``ZMQError`` that names it.
    public init(
        context: ZMQContext,
        endpoint: String,
        sendHighWaterMark: Int32 = 10_000,
        curve: CurveOptions? = nil,
        logger: Logger
    ) throws(ZMQError) {
        socket = try SocketThread(
            context: context, kind: .pub, name: "events", logger: logger, logsBoundEndpoint: true,
            configure: { socket throws(ZMQError) in
                try socket.apply(ZMQSocketOptions(
                    // Subscribers send only subscriptions: a frame bigger than a topic is hostile.
                    linger: .milliseconds(100), maxMessageSize: FrameLimits.subscription,
                    sendHighWaterMark: sendHighWaterMark, curve: curve))
                try socket.bind(endpoint)
            })
        boundEndpoint = socket.lastEndpoint
    }

    deinit { socket.stop() }

    /// Queues an event for every current subscriber of a matching topic; never blocks.
    public func publish(topic: String, payload: Data) {
        socket.send([Data(topic.utf8), payload])
    }

    public func publish(_ event: PublishedEvent) {
        publish(topic: event.topic, payload: event.payload)
    }

    /// Closes the socket after queued events are handed to libzmq.
    public func close() { socket.stop() }

    /// Keeps the publisher open until graceful shutdown or cancellation, then closes it.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }
}
