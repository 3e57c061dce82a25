import Foundation

/// A provider account a channel worker registered, as the core remembers it: what
/// tenants may choose (`--sms-account NAME`) and `herald account list` shows.
/// Never a secret: the credentials stay in the worker's accounts file.
public struct ProviderAccountRecord: Sendable, Equatable {
    public var channel: String
    public var provider: String
    /// "default" for a worker's own environment, else its accounts file's name.
    public var name: String
    public var senders: [String]
    /// Messages per second its sender may send; 0: no limit.
    public var ratePerSecond: Double
    /// When a worker last registered it (with any core).
    public var seenAt: Date

    public init(channel: String, provider: String, name: String, senders: [String], ratePerSecond: Double, seenAt: Date) {
        self.channel = channel
        self.provider = provider
        self.name = name
        self.senders = senders
        self.ratePerSecond = ratePerSecond
        self.seenAt = seenAt
    }
}
