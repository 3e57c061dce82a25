import Foundation

/// What a channel reads from its environment (credentials, sender, base URL),
/// read and checked once, before anything connects.
public protocol ChannelConfiguration: Sendable {
    /// Reads and checks the variables; the error names the one at fault
    /// (``ChannelConfigurationError/require(_:in:)`` does it for a required one).
    init(environment: [String: String]) throws(ChannelConfigurationError)
    /// Who messages sent with it come from (a number, a sender id, a From address), as
    /// `herald account list` shows them; never a secret. Default: none named.
    var senders: [String] { get }
    /// The variables that make an account, its credentials and sender: a named account
    /// (``AccountsFile``) gives them itself and never takes them from the program's
    /// environment, so an entry that forgets its token is refused instead of sending
    /// with the default account's. Other variables (an API base, a timeout) it may share.
    static var accountVariables: Set<String> { get }
    /// The part of the program's environment a named account with `variables` shares:
    /// by default all but ``accountVariables``.
    static func shared(_ environment: [String: String], with variables: [String: String]) -> [String: String]
    /// How many messages a second its sender may send by the provider's published
    /// limits, when its account names no `rate_per_second`; nil: no limit.
    var defaultRatePerSecond: Double? { get }
    /// The least time between two messages from its sender to one recipient by the
    /// provider's published limits, in seconds; nil: none.
    var recipientGap: Double? { get }
}

extension ChannelConfiguration {
    public var senders: [String] { [] }
    public var defaultRatePerSecond: Double? { nil }
    public var recipientGap: Double? { nil }
    public static var accountVariables: Set<String> { [] }

    public static func shared(_ environment: [String: String], with variables: [String: String]) -> [String: String] {
        environment.filter { !accountVariables.contains($0.key) }
    }
}

/// A channel plugin that is its configuration type and its send: the protocol
/// reads the configuration from the environment, refuses to start without it
/// (``ChannelPlugin/checkConfiguration()``), and hands it to every send.
///
/// ```swift
/// struct TwilioPlugin: ConfiguredChannelPlugin {
///     let channel = "sms"
///     let provider = "twilio"
///     let version = "1.0.0"
///     let configuration: Result<TwilioConfiguration, ChannelConfigurationError>
///
///     func send(_ delivery: Herald_V1_Delivery, configuration: TwilioConfiguration) async -> Outcome { ... }
/// }
/// ```
///
/// The struct's memberwise `init(configuration:)` is all the initializer it needs;
/// ``init(environment:)`` is this protocol's.
public protocol ConfiguredChannelPlugin: ChannelPlugin {
    associatedtype Configuration: ChannelConfiguration

    /// The configuration read at start, or why it could not be read. A program
    /// runs with a failed one only under `--outbox`, which never calls `send`.
    var configuration: Result<Configuration, ChannelConfigurationError> { get }

    init(configuration: Result<Configuration, ChannelConfigurationError>)

    /// Hands one delivery to the provider with the checked configuration; see ``ChannelPlugin/send(_:)``.
    func send(_ delivery: Herald_V1_Delivery, configuration: Configuration) async -> Outcome
}

extension ConfiguredChannelPlugin {
    /// The plugin with its configuration read from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(configuration: Result { () throws(ChannelConfigurationError) in try Configuration(environment: environment) })
    }

    public func checkConfiguration() throws {
        _ = try configuration.get()
    }

    public func send(_ delivery: Herald_V1_Delivery) async -> Outcome {
        switch configuration {
        case .success(let configuration):
            return await send(delivery, configuration: configuration)
        case .failure(let error):
            return .failed(error: "the \(channel) channel (\(provider)) is not configured: \(error)", code: "configuration")
        }
    }
}

/// The configuration of a channel that calls URLs from its deliveries and
/// needs only the operator's list of non-public addresses it may call
/// (`herald-webhook`, `herald-chat`): the variable's name and the list.
public protocol AllowListConfiguration: ChannelConfiguration {
    /// The variable that holds the list, e.g. `HERALD_WEBHOOK_ALLOW`.
    static var allowVariable: String { get }
    var allowList: AddressAllowList { get }
    init(allowList: AddressAllowList)
}

extension AllowListConfiguration {
    public init(environment: [String: String]) throws(ChannelConfigurationError) {
        self.init(allowList: try AddressAllowList(parsing: environment[Self.allowVariable] ?? "", variable: Self.allowVariable))
    }
}
