import ArgumentParser

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Manage a Herald core: tenants, settings, event types, bookings, webhooks, team destinations, and what was sent.",
        discussion: """
            Every command talks to the core's admin endpoint (--core, or $HERALD_CORE, \
            default tcp://127.0.0.1:7402). Errors go to stderr; the exit code is 1 when \
            the core refused a request, 69 when it could not be reached in time, and 64 \
            for a command-line mistake.
            """,
        version: HeraldVersion.current,
        subcommands: [
            UpCommand.self,
            PingCommand.self,
            TenantCommand.self,
            SettingsCommand.self,
            EventTypeCommand.self,
            BookingCommand.self,
            WebhookCommand.self,
            TeamCommand.self,
            SuppressionCommand.self,
            TemplateCommand.self,
            APIKeyCommand.self,
            KeysCommand.self,
            LinkKeysCommand.self,
            AccountCommand.self,
            ScheduleCommand.self,
            LogCommand.self,
            ChannelsCommand.self,
            StatsCommand.self,
            EventsCommand.self,
            TailCommand.self,
        ]
    )
}
