import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A configured channel plugin for each of a program's provider accounts: the
/// default one from the program's environment and the named ones of its accounts
/// file (``AccountsFile``). Each delivery is sent with the account it names
/// (`Delivery.account`; empty: the default), so a salon's texts go out with the
/// salon's credentials and sender, never the clinic's.
///
/// An account's variables are laid over the environment, so every account is read
/// and checked by the channel's own configuration type, and its errors name the
/// account. Callbacks (``CallbackChannelPlugin``) of a named account arrive under
/// `<callback-url>/accounts/<name>`: its `HERALD_CALLBACK_URL` says so, and
/// ``handleCallback(_:)`` hands them to that account, which checks the signature
/// with its own secret.
///
/// ``reload()`` rereads the file (SIGHUP): all or nothing, a file with a bad entry
/// keeps the accounts there were.
public final class AccountsPlugin<Plugin: ConfiguredChannelPlugin>: ChannelPlugin {
    struct Account: Sendable {
        var plugin: Plugin
        var rate: Double?
    }

    private let environment: [String: String]
    /// The accounts file, if the program has one.
    public let file: String?
    private let defaultPlugin: Plugin
    private let current: Mutex<[String: Account]>

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, file: String?) {
        self.environment = environment
        self.file = file
        defaultPlugin = Plugin(environment: environment)
        current = Mutex(Self.defaultOnly(defaultPlugin))
    }

    public var channel: String { defaultPlugin.channel }
    public var provider: String { defaultPlugin.provider }
    public var version: String { defaultPlugin.version }
    public var capabilities: [String] { defaultPlugin.capabilities }

    /// Without a file, the environment's account must be configured. With one, every
    /// entry must be; the environment's account then serves deliveries that name none
    /// only if it is configured too.
    public func checkConfiguration() throws {
        guard let file else {
            try defaultPlugin.checkConfiguration()
            return
        }
        let accounts = try Self.accounts(file: file, environment: environment, defaultPlugin: defaultPlugin)
        current.withLock { $0 = accounts }
    }

    /// Rereads the accounts file; on any error the accounts stay as they were.
    /// Returns the accounts now in use.
    @discardableResult
    public func reload() throws -> [Herald_V1_ChannelAccount] {
        guard let file else { return accounts }
        let accounts = try Self.accounts(file: file, environment: environment, defaultPlugin: defaultPlugin)
        current.withLock { $0 = accounts }
        return self.accounts
    }

    /// What the worker registers: each account's name, senders, rate and recipient gap,
    /// sorted by name.
    public var accounts: [Herald_V1_ChannelAccount] {
        current.withLock { accounts in
            accounts.sorted { $0.key < $1.key }.map { name, account in
                .with {
                    let configuration = try? account.plugin.configuration.get()
                    $0.name = name
                    $0.senders = configuration?.senders ?? []
                    $0.ratePerSecond = account.rate ?? configuration?.defaultRatePerSecond ?? 0
                    $0.recipientGapMs = UInt32(((configuration?.recipientGap ?? 0) * 1000).rounded())
                }
            }
        }
    }

    public func send(_ delivery: Herald_V1_Delivery) async -> Outcome {
        let name = delivery.account.isEmpty ? AccountsFile.defaultName : delivery.account
        guard let account = current.withLock({ $0[name] }) else {
            // The core routes by the accounts a worker registered; this one was just
            // removed by a reload, so another worker (or a later reload) may have it.
            return .retry(error: "this worker has no provider account \"\(name)\"", code: "unknown_account", after: .seconds(30))
        }
        return await account.plugin.send(delivery)
    }

    /// The prefix of a named account's callback paths.
    static func callbackPrefix(_ name: String) -> String { "/accounts/\(name)" }

    /// The account's plugin and the path below its prefix, for a callback's path.
    func callbackTarget(path: String) -> (plugin: Plugin, path: String)? {
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "accounts" else {
            return current.withLock { $0[AccountsFile.defaultName]?.plugin }.map { ($0, path) }
        }
        let rest = parts[2]
        let name = rest.prefix { $0 != "/" }
        guard let plugin = current.withLock({ $0[String(name)]?.plugin }) else { return nil }
        return (plugin, String(rest.dropFirst(name.count)))
    }

    private static func defaultOnly(_ plugin: Plugin) -> [String: Account] {
        [AccountsFile.defaultName: Account(plugin: plugin, rate: nil)]
    }

    private static func accounts(
        file: String, environment: [String: String], defaultPlugin: Plugin
    ) throws -> [String: Account] {
        var accounts: [String: Account] = [:]
        if case .success = defaultPlugin.configuration {
            accounts[AccountsFile.defaultName] = Account(plugin: defaultPlugin, rate: nil)
        }
        for entry in try AccountsFile.load(path: file) {
            // An account's own variables come from its entry only, never the environment.
            var variables = Plugin.Configuration.shared(environment, with: entry.variables)
                .merging(entry.variables) { _, account in account }
            if let base = environment[ChannelOptions.callbackURLVariable], !base.isEmpty {
                variables[ChannelOptions.callbackURLVariable] = base + callbackPrefix(entry.name)
            }
            let plugin = Plugin(environment: variables)
            if case .failure(let error) = plugin.configuration {
                throw ChannelConfigurationError("account \"\(entry.name)\" of \(file): \(error.message)", variable: error.variable)
            }
            accounts[entry.name] = Account(plugin: plugin, rate: entry.ratePerSecond)
        }
        if accounts.isEmpty {
            // Neither the file nor the environment gives an account: say what the environment lacks.
            try defaultPlugin.checkConfiguration()
        }
        return accounts
    }
}

extension AccountsPlugin: CallbackChannelPlugin where Plugin: CallbackChannelPlugin {
    public func handleCallback(_ request: CallbackRequest) -> CallbackAnswer {
        guard let (plugin, path) = callbackTarget(path: request.path) else {
            return .rejected(status: 404, reason: "no such account")
        }
        var forwarded = request
        forwarded.path = path
        return plugin.handleCallback(forwarded)
    }
}

/// A plugin whose provider accounts can be reread (``AccountsPlugin``).
public protocol ReloadableAccounts: ChannelPlugin {
    var file: String? { get }
    @discardableResult func reload() throws -> [Herald_V1_ChannelAccount]
}

extension AccountsPlugin: ReloadableAccounts {}

/// Rereads the accounts file on SIGHUP and tells the core; a file with a bad entry
/// is reported and the accounts in use stay.
struct AccountsReloader: Service {
    let accounts: any ReloadableAccounts
    let runner: ChannelRunner
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            do {
                let now = try accounts.reload()
                runner.accountsChanged()
                logger.notice("provider accounts reloaded", metadata: [
                    "file": "\(accounts.file ?? "")", "accounts": "\(now.map(\.name).joined(separator: ","))"])
            } catch {
                logger.error("provider accounts NOT reloaded; the previous accounts stay", metadata: [
                    "file": "\(accounts.file ?? "")", "error": "\(error)"])
            }
        }
    }
}
