import Foundation
import HeraldProto

/// A channel worker that registered on the channel endpoint, as the
/// dispatcher sees it: what it serves, how much it can hold, what it holds.
struct ConnectedWorker: Equatable {
    /// The ROUTER identity of its DEALER; a reconnect gets a new one.
    let peer: Data
    let channel: String
    let provider: String
    /// The provider whose jobs it takes in `provider`'s place (an outbox standing in for Twilio).
    let standsInFor: String?
    let instanceID: String
    let pluginVersion: String
    let maxInFlight: Int
    let connectedAt: Date
    var lastHeardAt: Date
    /// A warning about its registration (``RegisterCheck``), shown in `herald channels`.
    var note: String? = nil
    /// Job ids handed to it whose result has not come back.
    var inFlight: Set<String> = []
    /// The provider accounts it sends with; a worker that named none has the default one.
    /// What the dispatcher asks for on its behalf at every turn is derived here, once.
    var accounts: [Herald_V1_ChannelAccount] = [ProviderAccounts.defaultAccount] {
        didSet { (jobAccounts, pacedAccounts, spacedAccounts) = Self.derive(accounts, pool: pool) }
    }

    /// The `account` values of the jobs it may take ("" is the default account).
    private(set) var jobAccounts: Set<String> = [""]

    /// Its paced accounts: each job account with its sender's bucket and rate.
    private(set) var pacedAccounts: [PacedAccount] = []

    /// Its accounts whose messages to one recipient must be spaced, by job account.
    private(set) var spacedAccounts: [String: SpacedAccount] = [:]

    struct SpacedAccount: Equatable {
        /// Its sender (``Pacer/key(pool:account:)``): the recipients it sent to lately are kept per sender.
        var paceKey: String
        /// The least time between two messages to one recipient.
        var gap: TimeInterval
    }

    struct PacedAccount: Equatable {
        /// As jobs name it.
        var account: String
        /// Its sender's bucket (``Pacer/key(pool:account:)``).
        var paceKey: String
        var ratePerSecond: Double
    }

    init(
        peer: Data, channel: String, provider: String, standsInFor: String?, instanceID: String, pluginVersion: String,
        maxInFlight: Int, connectedAt: Date, lastHeardAt: Date, note: String? = nil,
        accounts: [Herald_V1_ChannelAccount] = [ProviderAccounts.defaultAccount]
    ) {
        self.peer = peer
        self.channel = channel
        self.provider = provider
        self.standsInFor = standsInFor
        self.instanceID = instanceID
        self.pluginVersion = pluginVersion
        self.maxInFlight = maxInFlight
        self.connectedAt = connectedAt
        self.lastHeardAt = lastHeardAt
        self.note = note
        self.accounts = accounts
        (jobAccounts, pacedAccounts, spacedAccounts) = Self.derive(accounts, pool: pool)
    }

    private static func derive(
        _ accounts: [Herald_V1_ChannelAccount], pool: String
    ) -> (Set<String>, [PacedAccount], [String: SpacedAccount]) {
        var paced: [PacedAccount] = []
        var spaced: [String: SpacedAccount] = [:]
        var seen = Set<String>()
        for account in accounts {
            let name = ProviderAccounts.jobAccount(account.name)
            guard seen.insert(name).inserted else { continue }
            let key = Pacer.key(pool: pool, account: name)
            if account.ratePerSecond > 0 {
                paced.append(PacedAccount(account: name, paceKey: key, ratePerSecond: account.ratePerSecond))
            }
            if account.recipientGapMs > 0 {
                spaced[name] = SpacedAccount(paceKey: key, gap: Double(account.recipientGapMs) / 1000)
            }
        }
        return (seen, paced, spaced)
    }

    var freeCredit: Int { max(0, maxInFlight - inFlight.count) }

    /// The provider whose jobs it is given.
    var jobProvider: String { standsInFor ?? provider }

    /// Workers that can take the same jobs: one channel, one provider.
    var pool: String { channel + "/" + jobProvider }
}

/// A delivery handed out and not yet answered.
struct InFlightDelivery {
    let jobID: String
    let attempt: Int
    let peer: Data
    let kind: NotificationKind
    let dueAt: Date
    let notAfter: Date?
    let leaseExpiresAt: Date
    let hasFallbackProvider: Bool
    /// Its sender's bucket (``Pacer/key(pool:account:)``), when its account is paced.
    var paceKey: String? = nil
}

/// A worker's answer waiting to be committed, with what the metrics count of it
/// once the store has applied it.
struct PendingResult {
    let result: JobResult
    /// Who sent it, for the log when the store ignores it.
    let peer: Data
    let outcome: DeliveryOutcome
}

/// What `herald channels` shows of a worker.
public struct WorkerSnapshot: Sendable, Equatable {
    public var channel: String
    public var provider: String
    public var instanceID: String
    public var pluginVersion: String
    public var maxInFlight: Int
    public var inFlight: Int
    public var connectedAt: Date
    public var lastHeardAt: Date
    /// A warning about how it registered (``RegisterCheck``); empty when none.
    public var note: String = ""
    /// The names of its provider accounts ("default": its environment's).
    public var accounts: [String] = [ProviderAccounts.defaultName]
}
