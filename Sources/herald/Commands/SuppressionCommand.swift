import ArgumentParser
import HeraldProto
import HeraldViews

struct SuppressionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppression",
        abstract: "A tenant's suppression list: customers who opted out on a channel.",
        discussion: """
            A recipient on the list for a channel gets no message on it: notifications to them \
            are planned and logged "skipped" ("recipient opted out"). Entries come from the \
            providers (an SMS to a number that replied STOP: Twilio's error 21610 or a status \
            callback saying so) or are added here. The scope "follow_up" stops follow-ups only.
            """,
        subcommands: [List.self, Add.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's suppression list, newest first.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "Only this channel: email, sms or whatsapp.") var channel: String?
        @Option(help: "At most this many (default 100, at most 1000).") var limit: UInt32 = 100
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listSuppressions(.with {
                    $0.tenantID = tenant
                    $0.channel = channel ?? ""
                    $0.limit = limit
                })
            }
            if output.json {
                try printJSON(answer.suppressions.map(SuppressionView.init))
                return
            }
            guard !answer.suppressions.isEmpty else {
                print("no recipient of \(tenant) is suppressed")
                return
            }
            var table = Table("channel", "recipient", "scope", "source", "since", "reason")
            for entry in answer.suppressions {
                table.append([entry.channel, entry.recipient, entry.scope, entry.source, entry.createdAt, entry.reason])
            }
            print(table.render())
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a recipient on the tenant's suppression list.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "email, sms or whatsapp.") var channel: String
        @Option(help: ArgumentHelp("An e-mail address or an E.164 phone number.", valueName: "recipient")) var to: String
        @Option(help: "all (default) or follow_up (follow-ups only).") var scope: String?
        @Option(help: "Why (default: added by hand).") var reason: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let entry = try await CoreConnection.with(core) {
                try await $0.admin.addSuppression(.with {
                    $0.tenantID = tenant
                    $0.channel = channel
                    $0.recipient = to
                    $0.scope = scope ?? ""
                    $0.reason = reason ?? ""
                })
            }
            if output.json {
                try printJSON(SuppressionView(entry))
            } else {
                print("\(entry.recipient) gets no \(entry.scope == "follow_up" ? "follow-up" : "message") on \(entry.channel) from \(entry.tenantID)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a recipient off the tenant's suppression list.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "email, sms or whatsapp.") var channel: String
        @Option(help: ArgumentHelp("The e-mail address or E.164 phone number.", valueName: "recipient")) var to: String
        @Option(help: "all (default) or follow_up.") var scope: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.removeSuppression(.with {
                    $0.tenantID = tenant
                    $0.channel = channel
                    $0.recipient = to
                    $0.scope = scope ?? ""
                })
            }
            if output.json {
                try printJSON(["removed": answer.removed])
            } else {
                print(answer.removed ? "removed" : "\(to) was not on the list")
            }
        }
    }
}
