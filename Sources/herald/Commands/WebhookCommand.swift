import ArgumentParser
import HeraldProto
import HeraldViews

struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Manage webhook subscriptions to booking events.",
        subcommands: [
            Add.self, List.self, RemoveCommand<Self>.self, EnableCommand<Self>.self, DisableCommand<Self>.self,
            RotateSecret.self, Test.self,
        ])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe a URL to booking events and delivery statuses; prints its id and signing secret (shown only once).")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "The http:// or https:// URL to POST events to.") var url: String
        @Option(help: ArgumentHelp("Event types to send (default: all), e.g. booking.created,booking.cancelled, or delivery.undelivered, delivery.delivered, delivery.read (what a provider reported after a send).", valueName: "type,..."))
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
                try await $0.admin.addWebhook(request)
            }
            try WebhookCommand.printNewSecret(
                webhook, output, "Keep the secret: it verifies the webhook-signature header and is not shown again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's webhook subscriptions.")

        @Argument(help: "The tenant's id.") var tenant: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listWebhooks(Herald_V1_ListWebhooksRequest.with { $0.tenantID = tenant })
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

    /// The one time a secret is shown: after `add` and `rotate-secret`.
    static func printNewSecret(_ webhook: Herald_V1_WebhookSubscription, _ output: OutputOptions, _ advice: String) throws {
        if output.json {
            try printJSON(WebhookView(webhook))
        } else {
            var fields = Fields()
            fields.append("id", webhook.id)
            fields.append("secret", webhook.secret)
            print(fields.render())
            print(advice)
        }
    }


    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give a subscription a new signing secret; prints it (shown only once).",
            discussion: "The old secret stops at once: deliveries from now on are signed with the new one.")

        @Argument(help: "The webhook's id.") var id: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let webhook = try await CoreConnection.with(core) {
                try await $0.admin.rotateWebhookSecret(Herald_V1_RotateWebhookSecretRequest.with { $0.id = id })
            }
            try WebhookCommand.printNewSecret(
                webhook, output, "Keep the secret: it is not shown again. The old one no longer verifies.")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a signed webhook.test ping to a subscription now and show what the endpoint answered.",
            discussion: """
                The ping goes through a connected herald-webhook worker, signed like any \
                delivery, with the type "webhook.test". It is not a booking event and is not \
                recorded in the ReminderLog. Exits 1 unless the endpoint accepted it.
                """)

        @Argument(help: "The webhook's id.") var id: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.testWebhook(Herald_V1_TestWebhookRequest.with { $0.id = id })
            }
            let outcome = OutcomeName.of(answer.outcome)
            if output.json {
                try printJSON(WebhookTestView(answer))
            } else {
                var fields = Fields()
                fields.append("delivery", answer.deliveryID)
                fields.append("outcome", outcome)
                fields.append("provider", answer.provider)
                if !answer.errorCode.isEmpty { fields.append("error code", answer.errorCode) }
                if !answer.errorMessage.isEmpty { fields.append("error", answer.errorMessage) }
                fields.append("took", "\(answer.elapsedMs) ms")
                print(fields.render())
            }
            if answer.outcome != .sent { throw ExitCode.failure }
        }
    }
}

/// Outcomes as lower-case words, the way the ReminderLog writes them.
enum OutcomeName {
    static func of(_ outcome: Herald_V1_Outcome) -> String {
        switch outcome {
        case .sent: "sent"
        case .retry: "retry"
        case .failed: "failed"
        case .unspecified, .UNRECOGNIZED: "unknown"
        }
    }
}

struct WebhookTestView: Encodable {
    var delivery_id: String
    var outcome: String
    var provider: String
    var error_code: String
    var error_message: String
    var elapsed_ms: UInt32

    init(_ answer: Herald_V1_TestWebhookResponse) {
        delivery_id = answer.deliveryID
        outcome = OutcomeName.of(answer.outcome)
        provider = answer.provider
        error_code = answer.errorCode
        error_message = answer.errorMessage
        elapsed_ms = answer.elapsedMs
    }
}

extension WebhookCommand: SwitchableResource {
    static let noun = "webhook"
    static let removeAbstract = "Remove a webhook subscription."
    static let enableAbstract = "Deliver to a subscription again, e.g. after its endpoint answered 410 Gone and is back."
    static let enableDiscussion = "Events from now on are delivered; deliveries cancelled while it was disabled are not sent again."
    static let disableAbstract = "Stop delivering to a subscription without removing it; pending deliveries are cancelled."

    static func remove(_ id: String, on core: CoreConnection) async throws {
        _ = try await core.admin.removeWebhook(Herald_V1_RemoveWebhookRequest.with { $0.id = id })
    }

    static func setEnabled(_ id: String, _ enabled: Bool, on core: CoreConnection) async throws {
        _ = try await core.admin.setWebhookEnabled(
            Herald_V1_SetWebhookEnabledRequest.with {
                $0.id = id
                $0.enabled = enabled
            })
    }
}
