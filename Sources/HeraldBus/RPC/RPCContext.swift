import Foundation

/// What a handler knows about the call it serves.
public struct RPCContext: Sendable {
    /// The client's id for this request, for logs that tie a client's error to the server's.
    public let requestID: String
    /// The method as registered, without a leading "/" (e.g. "herald.v1.Admin/CreateBooking").
    public let method: String
    /// When the server stops waiting and answers DEADLINE_EXCEEDED; a handler can
    /// give up on slow work before then. The handler's task is also cancelled at that point.
    public let deadline: ContinuousClock.Instant
    /// The caller's free-form metadata (e.g. "client": "herald-cli/0.1").
    public let metadata: [String: String]
    /// The ROUTER identity of the calling peer.
    public let peer: Data
    /// With CURVE: the caller's public key (Z85), as the ZAP handler admitted it.
    public let userID: String?

    public init(requestID: String, method: String, deadline: ContinuousClock.Instant,
                metadata: [String: String] = [:], peer: Data = Data(), userID: String? = nil) {
        self.requestID = requestID
        self.method = method
        self.deadline = deadline
        self.metadata = metadata
        self.peer = peer
        self.userID = userID
    }
}
