import ArgumentParser
import HeraldProto
import HeraldViews

struct LinkKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link-keys",
        abstract: "The keys that sign the links in customers' messages.",
        discussion: """
            Follow-up e-mails carry a signed one-click unsubscribe link when heraldd has \
            --public-url. The core makes the first key itself and keeps the keys in its \
            database. Rotate when a key may have leaked, or on a schedule: the new key signs \
            from then on, and links signed with the old one keep opening for the grace period.
            """,
        subcommands: [List.self, Rotate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (never their secrets), the current one first.")

        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) { try await $0.admin.listLinkKeys(.init()) }
            try LinkKeysCommand.show(answer, json: output.json)
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new current key; the old one retires after the grace period.")

        @Option(help: "Days links signed with the old key keep opening (default 30, at most 400; 0 stops them at once).")
        var graceDays: UInt32 = 30
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard graceDays <= 400 else { throw ValidationError("--grace-days must be at most 400") }
        }

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.rotateLinkKeys(.with { $0.graceSeconds = graceDays * 86_400 })
            }
            try LinkKeysCommand.show(answer, json: output.json)
        }
    }

    static func show(_ answer: Herald_V1_ListLinkKeysResponse, json: Bool) throws {
        if json {
            try printJSON(answer.keys.map(LinkKeyView.init))
            return
        }
        var table = Table("id", "created", "retires")
        for key in answer.keys {
            table.append([key.id, key.createdAt, key.retiresAt.isEmpty ? "(current)" : key.retiresAt])
        }
        print(table.render())
    }
}
