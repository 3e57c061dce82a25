import ArgumentParser
import HeraldProto
import HeraldViews

struct TeamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "team",
        abstract: "Tell the tenant's team about bookings on any channel: a chat room, an e-mail address.",
        discussion: """
            A team destination is a recipient on a channel: "chat" (herald-chat posts to a \
            chat service's incoming-webhook URL), "email", or any channel a plugin registers. \
            Each booking event it wants becomes one host_notification on that channel, worded \
            like the host e-mails (herald template set TENANT host_notification CHANNEL \
            changes it). Deliveries wait in the queue until a worker of the channel connects \
            (herald channels shows them).
            """,
        subcommands: [Add.self, List.self, RemoveCommand<Self>.self, EnableCommand<Self>.self, DisableCommand<Self>.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a team destination; prints its id.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: ArgumentHelp(
            "email, or a custom channel name (lower-case letters, digits, '-', '_'), e.g. chat.", valueName: "name"))
        var channel: String
        @Option(help: ArgumentHelp(
            "The recipient on that channel: an e-mail address, or what the channel's plugin understands (herald-chat: the incoming-webhook URL).",
            valueName: "recipient"))
        var to: String
        @Option(help: ArgumentHelp(
            "Booking events to send (default: booking.created,booking.rescheduled,booking.cancelled).", valueName: "type,..."))
        var events: CommaList?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_AddTeamDestinationRequest.with {
                $0.tenantID = tenant
                $0.channel = channel
                $0.recipient = to
                $0.eventTypes = events?.items ?? []
            }
            let destination = try await CoreConnection.with(core) {
                try await $0.admin.addTeamDestination(request)
            }
            if output.json {
                try printJSON(TeamDestinationView(destination))
            } else {
                print(destination.id)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's team destinations.")

        @Argument(help: "The tenant's id.") var tenant: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listTeamDestinations(Herald_V1_ListTeamDestinationsRequest.with { $0.tenantID = tenant })
            }
            if output.json {
                try printJSON(answer.destinations.map(TeamDestinationView.init))
            } else {
                var table = Table("id", "channel", "to", "events", "enabled", "created")
                for destination in answer.destinations {
                    table.append([
                        destination.id, destination.channel, destination.recipient,
                        destination.eventTypes.joined(separator: ","),
                        destination.enabled ? "yes" : "no (\(destination.disabledReason))", destination.createdAt,
                    ])
                }
                print(table.render())
            }
        }
    }
}

extension TeamCommand: SwitchableResource {
    static let noun = "destination"
    static let removeAbstract = "Remove a team destination; its pending notes are cancelled when they fall due."
    static let enableAbstract =
        "Send to a destination again, e.g. after its channel reported the recipient gone and it is fixed."
    static let enableDiscussion = "Events from now on are sent; notes cancelled while it was disabled are not sent again."
    static let disableAbstract = "Stop sending to a destination without removing it; pending notes are cancelled."

    static func remove(_ id: String, on core: CoreConnection) async throws {
        _ = try await core.admin.removeTeamDestination(Herald_V1_RemoveTeamDestinationRequest.with { $0.id = id })
    }

    static func setEnabled(_ id: String, _ enabled: Bool, on core: CoreConnection) async throws {
        _ = try await core.admin.setTeamDestinationEnabled(
            Herald_V1_SetTeamDestinationEnabledRequest.with {
                $0.id = id
                $0.enabled = enabled
            })
    }
}
