import ArgumentParser
import HeraldProto

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage webhook subscriptions to booking events.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe a URL to booking events; prints its id and signing secret (shown only once).")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "The http:// or https:// URL to POST events to.") var url: String
        @Option(help: ArgumentHelp("Event types to send (default: all), e.g. booking.created,booking.cancelled.", valueName: "type,..."))
        var events: CommaList?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_AddWebhookRequest.with {
                $0.tenantID = tenant
                $0.url = url
                $0.eventTypes = events?.items ?? []
            }
            let webhook = try await CoreConnection.with(core) {
                try await $0.call("AddWebhook", request, as: Herald_V1_WebhookSubscription.self)
            }
            if output.json {
                try printJSON(WebhookView(webhook))
            } else {
                var fields = Fields()
                fields.append("id", webhook.id)
                fields.append("secret", webhook.secret)
                print(fields.render())
                print("Keep the secret: it verifies the webhook-signature header and is not shown again.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's webhook subscriptions.")

        @Argument(help: "The tenant's id.") var tenant: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.call(
                    "ListWebhooks", Herald_V1_ListWebhooksRequest.with { $0.tenantID = tenant },
                    as: Herald_V1_ListWebhooksResponse.self)
            }
            if output.json {
                try printJSON(answer.webhooks.map(WebhookView.init))
            } else {
                var table = Table("id", "url", "events", "enabled", "created")
                for webhook in answer.webhooks {
                    table.append([
                        webhook.id, webhook.url,
                        webhook.eventTypes.isEmpty ? "all" : webhook.eventTypes.joined(separator: ","),
                        webhook.enabled ? "yes" : "no (\(webhook.disabledReason))", webhook.createdAt,
                    ])
                }
                print(table.render())
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a webhook subscription.")

        @Argument(help: "The webhook's id.") var id: String
        @OptionGroup var core: CoreOptions

        func run() async throws {
            _ = try await CoreConnection.with(core) {
                try await $0.call(
                    "RemoveWebhook", Herald_V1_RemoveWebhookRequest.with { $0.id = id },
                    as: Herald_V1_RemoveWebhookResponse.self)
            }
            print("removed \(id)")
        }
    }
}
