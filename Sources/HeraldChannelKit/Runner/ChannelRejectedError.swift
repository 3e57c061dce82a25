/// The core refused this worker's `Register`, e.g. for an unknown channel or an
/// unsupported protocol version. The runner does not retry: a core that refuses
/// once will refuse again, and an operator has to act.
public struct ChannelRejectedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The core's `Reject.reason`.
    public var reason: String
    /// The endpoint of the core that refused.
    public var endpoint: String

    public init(reason: String, endpoint: String) {
        self.reason = reason
        self.endpoint = endpoint
    }

    public var description: String { "the core at \(endpoint) rejected this channel: \(reason)" }
}
