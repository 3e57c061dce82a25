import CoreMetrics
import Foundation

/// How an ``RPCServer`` binds and how much it will take on.
public struct RPCServerConfiguration: Sendable {
    /// Where to bind, e.g. `tcp://127.0.0.1:7402`; `tcp://127.0.0.1:*` picks a free port.
    public var endpoint: String
    /// Largest request in bytes; a bigger one disconnects the sender (ZMQ_MAXMSGSIZE).
    public var maxMessageSize: Int64
    /// The deadline of a request that sends `timeout_ms = 0`.
    public var defaultTimeout: Duration
    /// No request gets longer than this, whatever it asks for.
    public var maxTimeout: Duration
    /// Requests handled at once; beyond it the server answers RESOURCE_EXHAUSTED at once.
    public var maxConcurrentRequests: Int
    public var curve: CurveOptions?
    /// Checks each request before its handler runs (e.g. the caller's role under
    /// CURVE); an error is sent back instead of running the handler.
    public var authorize: (@Sendable (RPCContext) -> RPCError?)?
    /// Also counts what ``RPCServer/droppedFrames`` counts, for the metrics endpoint.
    public var droppedFramesCounter: CoreMetrics.Counter?

    public init(
        endpoint: String,
        maxMessageSize: Int64 = FrameLimits.core,
        defaultTimeout: Duration = .seconds(30),
        maxTimeout: Duration = .seconds(300),
        maxConcurrentRequests: Int = 256,
        curve: CurveOptions? = nil,
        authorize: (@Sendable (RPCContext) -> RPCError?)? = nil,
        droppedFramesCounter: CoreMetrics.Counter? = nil
    ) {
        self.endpoint = endpoint
        self.maxMessageSize = maxMessageSize
        self.defaultTimeout = defaultTimeout
        self.maxTimeout = maxTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.curve = curve
        self.authorize = authorize
        self.droppedFramesCounter = droppedFramesCounter
    }
}
