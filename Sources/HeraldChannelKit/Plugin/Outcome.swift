/// What became of one delivery, as a plugin reports it.
///
/// The runner turns it into the protocol's `Result`, adding the delivery id,
/// the attempt and the plugin's provider.
public enum Outcome: Sendable, Equatable {
    /// The provider accepted the message.
    case sent(providerMessageID: String? = nil)
    /// A transient failure: the core tries again later, not before `after`
    /// (the provider's Retry-After) when given.
    case retry(error: String, code: String? = nil, after: Duration? = nil)
    /// A permanent failure: the core records it and does not try again.
    case failed(error: String, code: String? = nil)
    /// A permanent failure after which the core stops sending to this
    /// recipient at all: a webhook endpoint that answered 410 Gone has its
    /// subscription disabled.
    case recipientGone(error: String, code: String? = nil)
}
