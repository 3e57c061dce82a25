import ArgumentParser
import HeraldProto
import HeraldViews

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "The provider accounts channel workers send with.",
        discussion: """
            A channel program started with --accounts FILE sends with several named provider \
            accounts (each with its own credentials and sender); "default" is the one of its \
            environment. Tenants choose one per channel (herald settings set TENANT \
            --sms-account NAME). The credentials never leave the channel program.
            """,
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each account workers registered: its senders, rate, workers connected here and queue (never a secret).")

        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) { try await $0.admin.listAccounts(.init()) }
            if output.json {
                try printJSON(answer.accounts.map(AccountView.init))
                return
            }
            var table = Table("channel", "provider", "account", "senders", "rate/s", "workers here", "due", "later", "oldest due")
            for account in answer.accounts {
                table.append([
                    account.channel, account.provider.isEmpty ? "(none registered)" : account.provider, account.name,
                    account.senders.joined(separator: ","),
                    account.ratePerSecond > 0 ? String(account.ratePerSecond) : "no limit",
                    String(account.workersHere), String(account.dueNow), String(account.scheduled),
                    account.oldestDueAt.isEmpty ? "-" : account.oldestDueAt,
                ])
            }
            print(table.render())
        }
    }
}
