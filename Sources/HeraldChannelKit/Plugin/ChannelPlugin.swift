/// A channel: the one piece of code that differs between an SMS, an e-mail and
/// a webhook worker.
///
/// An author writes ``send(_:)`` and, if the channel needs credentials,
/// ``checkConfiguration()``; ``ChannelRunner`` does everything else (connecting
/// to the core, registering, credit, heartbeats, reconnecting, shutdown).
///
/// `channel` and `provider` are instance properties rather than statics so that
/// one program can serve a channel chosen at run time (the test channel does);
/// a fixed channel simply writes `let channel = "sms"`.
public protocol ChannelPlugin: Sendable {
    /// "email", "sms", "whatsapp", "webhook" or a custom channel name.
    var channel: String { get }
    /// "smtp", "twilio", "vonage", ...; reported in every `Result`.
    var provider: String { get }
    /// The plugin's own version, sent in `Register`.
    var version: String { get }
    /// Optional features the core may use when routing, sent in `Register`.
    var capabilities: [String] { get }
    /// The provider whose jobs this plugin takes in its own provider's place, sent in
    /// `Register` (the outbox standing in for "twilio"); nil for a real provider.
    var standsInFor: String? { get }
    /// The provider accounts it sends with, sent in `Register`; empty: only the default
    /// account of its environment (``AccountsPlugin`` lists its accounts).
    var accounts: [Herald_V1_ChannelAccount] { get }

    /// Checks, before anything connects, that the channel can send: credentials
    /// present, URLs well formed. Throw ``ChannelConfigurationError`` naming
    /// what is missing; the program then refuses to start (unless `--outbox`).
    func checkConfiguration() throws

    /// Hands one delivery to the provider and says what became of it.
    ///
    /// Called concurrently, up to the runner's `maxInFlight` at once. Pass
    /// `delivery.deliveryID` to the provider as its idempotency key where it has
    /// one. Return ``Outcome/sent(providerMessageID:)`` only once the provider
    /// accepted the message; when unsure, ``Outcome/retry(error:code:after:)``.
    /// The task is cancelled only when the runner is forced to stop.
    func send(_ delivery: Herald_V1_Delivery) async -> Outcome
}

extension ChannelPlugin {
    public var capabilities: [String] { [] }
    public var standsInFor: String? { nil }
    public var accounts: [Herald_V1_ChannelAccount] { [] }
    public func checkConfiguration() throws {}
}
