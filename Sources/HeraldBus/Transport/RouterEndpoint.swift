import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One message a ROUTER received: who sent it and the frames after the identity.
public struct RouterMessage: Sendable {
    /// The sender's ROUTER identity; pass it back to ``RouterEndpoint/send(to:frames:deadline:)`` to answer.
    public let peer: Data
    /// The frames the peer sent (never empty, none of them empty).
    public let frames: [Data]
    /// With CURVE: the client's public key, as the ``ZAPHandler`` admitted it; nil without.
    public let userID: String?

    /// The first frame; Herald's protocols put exactly one protobuf message in each frame.
    public var payload: Data { frames[0] }

    public init(peer: Data, frames: [Data], userID: String? = nil) {
        self.peer = peer
        self.frames = frames
        self.userID = userID
    }
}

/// A bound ROUTER socket on its own thread: the core's channel and admin endpoints.
///
/// It binds in `init`, so a bad or busy endpoint fails the process at start with
/// a ``ZMQError`` naming it. Inbound messages arrive on ``messages``; replies are
/// queued with ``send(to:frames:deadline:)`` and never block.
///
/// Malformed input from a peer never reaches the consumer: a message with the
/// wrong number of frames or an empty frame is dropped, counted in
/// ``droppedFrames`` and logged at warning. Consumers report what they cannot
/// decode through ``drop(_:reason:)`` so that one counter covers it all.
public final class RouterEndpoint: Service, Sendable {
    public struct Configuration: Sendable {
        /// Where to bind, e.g. `tcp://127.0.0.1:7401`; `tcp://127.0.0.1:*` picks a free port.
        public var endpoint: String
        /// Frames a peer must send per message (after the identity the ROUTER adds); `nil` accepts any number.
        public var framesPerMessage: Int?
        public var maxMessageSize: Int64
        public var sendHighWaterMark: Int32
        public var receiveHighWaterMark: Int32
        /// How long replies to departed peers may linger after close.
        public var linger: Duration
        /// ZMTP heartbeats find peers that vanished without closing TCP.
        public var heartbeatInterval: Duration
        public var heartbeatTimeout: Duration
        /// Inbound messages buffered for a consumer that is behind; beyond it they are dropped and counted.
        public var inboundBufferLimit: Int
        public var curve: CurveOptions?
        /// With CURVE: whether a connection's `User-Id` may still send here. The ZAP
        /// handler only checks at the handshake; this drops the messages of a key
        /// removed since, at once.
        public var authorize: (@Sendable (String?) -> Bool)?
        /// Also counts what ``RouterEndpoint/droppedFrames`` counts, for the metrics endpoint.
        public var droppedFramesCounter: CoreMetrics.Counter?

        public init(
            endpoint: String,
            framesPerMessage: Int? = 1,
            maxMessageSize: Int64 = FrameLimits.core,
            sendHighWaterMark: Int32 = 1000,
            receiveHighWaterMark: Int32 = 1000,
            linger: Duration = .milliseconds(200),
            heartbeatInterval: Duration = .seconds(5),
            heartbeatTimeout: Duration = .seconds(15),
            inboundBufferLimit: Int = 10_000,
            curve: CurveOptions? = nil,
            authorize: (@Sendable (String?) -> Bool)? = nil,
            droppedFramesCounter: CoreMetrics.Counter? = nil
        ) {
            self.endpoint = endpoint
            self.framesPerMessage = framesPerMessage
            self.maxMessageSize = maxMessageSize
            self.sendHighWaterMark = sendHighWaterMark
            self.receiveHighWaterMark = receiveHighWaterMark
            self.linger = linger
            self.heartbeatInterval = heartbeatInterval
            self.heartbeatTimeout = heartbeatTimeout
            self.inboundBufferLimit = inboundBufferLimit
            self.curve = curve
            self.authorize = authorize
            self.droppedFramesCounter = droppedFramesCounter
        }

        var socketOptions: ZMQSocketOptions {
            ZMQSocketOptions(
                linger: linger,
                maxMessageSize: maxMessageSize,
                routerMandatory: true,
                sendHighWaterMark: sendHighWaterMark,
                receiveHighWaterMark: receiveHighWaterMark,
                heartbeatInterval: heartbeatInterval,
                heartbeatTimeout: heartbeatTimeout,
                curve: curve)
        }
    }

    /// The endpoint actually bound, with a wildcard port resolved.
    public let boundEndpoint: String
    /// Well-formed inbound messages, in arrival order. It has one consumer and
    /// finishes when the endpoint closes.
    public let messages: AsyncStream<RouterMessage>
    private let socket: SocketThread
    private let counter: DropCounter

    public init(context: ZMQContext, configuration: Configuration, logger: Logger) throws(ZMQError) {
        // Log lines name the endpoint once it is bound (a wildcard port resolved); the
        // socket thread does the same for its own lines.
        let counter = DropCounter(logger: logger, metric: configuration.droppedFramesCounter)
        let (messages, continuation) = AsyncStream.makeStream(
            of: RouterMessage.self, bufferingPolicy: .bufferingOldest(configuration.inboundBufferLimit))
        let framesPerMessage = configuration.framesPerMessage
        let authorize = configuration.authorize
        self.socket = try SocketThread(
            context: context, kind: .router, name: "router", logger: logger, logsBoundEndpoint: true,
            configure: { socket throws(ZMQError) in
                try socket.apply(configuration.socketOptions)
                try socket.bind(configuration.endpoint)
            },
            onAuthenticatedMessage: { frames, userID in
                // The ROUTER always prepends the sender's identity.
                let peer = frames[0]
                let body = Array(frames.dropFirst())
                if let authorize, !authorize(userID) {
                    counter.record(peer: peer, reason: "key no longer authorized", frameCount: body.count)
                } else if body.isEmpty || body.contains(where: \.isEmpty) {
                    counter.record(peer: peer, reason: "empty frame", frameCount: body.count)
                } else if let expected = framesPerMessage, body.count != expected {
                    counter.record(peer: peer, reason: "expected \(expected) frame(s)", frameCount: body.count)
                } else if case .dropped = continuation.yield(RouterMessage(peer: peer, frames: body, userID: userID)) {
                    counter.record(peer: peer, reason: "inbound buffer full", frameCount: body.count)
                }
            },
            onStop: { continuation.finish() })
        self.boundEndpoint = socket.lastEndpoint
        counter.endpoint = socket.lastEndpoint
        self.messages = messages
        self.counter = counter
    }

    deinit { socket.stop() }

    /// Messages dropped as malformed or undecodable since the endpoint opened.
    public var droppedFrames: UInt64 { counter.count }

    /// Queues a message for `peer`; never blocks. A peer that is gone (`EHOSTUNREACH`)
    /// or a message still unsent at `deadline` is dropped and logged (a few lines a
    /// minute: a peer that sends requests and never reads the answers must not
    /// flood the log).
    public func send(to peer: Data, frames: [Data], deadline: ContinuousClock.Instant? = nil) {
        let logger = counter.logger
        let throttle = counter.throttle
        socket.send([peer] + frames, deadline: deadline) { outcome in
            if outcome != .sent, throttle.admit("reply dropped") == nil { return }
            switch outcome {
            case .sent:
                break
            case .expired:
                logger.warning("reply dropped: the peer did not take it in time", metadata: ["peer": "\(peer.hex)"])
            case .failed(let error):
                logger.info("reply dropped", metadata: ["peer": "\(peer.hex)", "error": "\(error)"])
            case .stopped:
                logger.debug("reply dropped: endpoint closed", metadata: ["peer": "\(peer.hex)"])
            }
        }
    }

    /// Counts and logs a message the consumer could not use (e.g. not a valid protobuf).
    public func drop(_ message: RouterMessage, reason: String) {
        counter.record(peer: message.peer, reason: reason, frameCount: message.frames.count)
    }

    /// Closes the socket after flushing queued replies; ``messages`` then finishes.
    public func close() { socket.stop() }

    /// Keeps the endpoint open until graceful shutdown or cancellation, then closes it.
    /// Use it when another service consumes ``messages``.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }
}

/// Counts dropped input; shared by the socket's thread and the consumer.
///
/// Every drop is counted; the log gets at most a few lines a minute per reason,
/// so a peer sending garbage as fast as it can does not flood it.
final class DropCounter: Sendable {
    private let dropped = Atomic<UInt64>(0)
    private let metric: CoreMetrics.Counter?
    let throttle = LogThrottle()
    private let loggerBox: Mutex<Logger>

    init(logger: Logger, metric: CoreMetrics.Counter?) {
        self.loggerBox = Mutex(logger)
        self.metric = metric
    }

    var logger: Logger { loggerBox.withLock { $0 } }

    /// The bound endpoint, named in every line logged from now on.
    var endpoint: String {
        get { loggerBox.withLock { $0[metadataKey: "zmq.endpoint"].map { "\($0)" } ?? "" } }
        set { loggerBox.withLock { $0[metadataKey: "zmq.endpoint"] = "\(newValue)" } }
    }

    var count: UInt64 { dropped.load(ordering: .relaxed) }

    func record(peer: Data, reason: String, frameCount: Int) {
        let total = dropped.add(1, ordering: .relaxed).newValue
        metric?.increment()
        guard let suppressed = throttle.admit(reason) else { return }
        logger.warning("dropped a malformed message", metadata: [
            "reason": "\(reason)", "peer": "\(peer.hex)", "frames": "\(frameCount)", "dropped.total": "\(total)",
            "suppressed": "\(suppressed)",
        ])
    }
}

extension Data {
    /// Peer identities are binary; hex keeps log lines printable.
    public var hex: String { map { String(format: "%02x", $0) }.joined() }
}
