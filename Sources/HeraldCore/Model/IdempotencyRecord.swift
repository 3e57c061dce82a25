import Foundation

/// What a front end answered to a request made with an idempotency key, kept so
/// that a retry gets the same answer. The core stores it without interpreting it.
public struct IdempotentAnswer: Sendable, Equatable {
    public var status: Int
    public var body: Data
    public var contentType: String
    public var location: String

    public init(status: Int, body: Data, contentType: String, location: String) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.location = location
    }
}

/// The outcome of claiming an idempotency key.
public enum IdempotencyClaim: Sendable, Equatable {
    /// Nobody used the key (or its record expired): the caller runs the request.
    case first
    /// The request ran; answer this again.
    case replay(IdempotentAnswer)
    /// The first request with this key is still running.
    case inFlight
    /// The key was used for a different request.
    case mismatch
}
