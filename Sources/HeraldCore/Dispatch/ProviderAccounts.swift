import HeraldProto

/// Channel workers' provider accounts, as the core routes by them: a job names the
/// account it is sent with (`""`: the worker's default account, the one of its
/// environment) and goes only to a worker that registered that account.
enum ProviderAccounts {
    static let defaultName = "default"

    /// What a worker that names no accounts has.
    static let defaultAccount = Herald_V1_ChannelAccount.with { $0.name = defaultName }

    /// Whether a tenant's choice names the default account.
    static func isDefault(_ name: String) -> Bool { name.isEmpty || name == defaultName }

    /// A job's `account` for an account name: "" for the default.
    static func jobAccount(_ name: String) -> String { name == defaultName ? "" : name }

    /// Why a worker's account list cannot be taken, or nil.
    static func problem(with accounts: [Herald_V1_ChannelAccount]) -> String? {
        if accounts.count > 10_000 { return "at most 10000 accounts" }
        var names = Set<String>()
        for account in accounts {
            guard FieldValidator.isIdentifier(account.name), account.name.count <= 64 else {
                return "account names are 1-64 letters, digits, \"-\", \"_\" or \".\", starting with a letter or digit, not \"\(account.name.prefix(64))\""
            }
            guard names.insert(account.name).inserted else { return "account \"\(account.name)\" is named twice" }
            if account.senders.count > 16 || account.senders.contains(where: { $0.count > 200 }) {
                return "account \"\(account.name)\": at most 16 senders of at most 200 characters"
            }
            if !account.ratePerSecond.isFinite || account.ratePerSecond < 0 || account.ratePerSecond > 10_000 {
                return "account \"\(account.name)\": rate_per_second must be between 0 (the channel's default) and 10000"
            }
            if account.recipientGapMs > 3_600_000 {
                return "account \"\(account.name)\": recipient_gap_ms must be at most 3600000 (an hour)"
            }
        }
        return nil
    }
}
