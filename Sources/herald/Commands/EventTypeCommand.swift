import ArgumentParser
import HeraldProto
import HeraldViews

struct EventTypeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-type",
        abstract: "Manage event types (services such as \"haircut\"), which override the tenant's settings.",
        subcommands: [Create.self, List.self, Show.self, Update.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an event type.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The event type's id.") var id: String
        @Option(help: "Its name, e.g. \"Haircut\".") var name: String
        @Option(help: "Default length of a booking in minutes (default 60).") var duration: UInt32?
        @Option(help: ArgumentHelp("Reminder offsets in minutes before the start, overriding the tenant's.", valueName: "minutes,..."))
        var reminders: MinutesList?
        @Option(name: .customLong("host-emails"), help: ArgumentHelp("Host/team addresses to notify.", valueName: "a@x.com,..."))
        var hostEmails: CommaList?
        @Option(help: "Send a confirmation on booking: on or off (default on).") var confirmation: Switch?
        @Option(name: .customLong("reschedule-notice"), help: "Notify on reschedule: on or off (default on).")
        var rescheduleNotice: Switch?
        @Option(name: .customLong("cancellation-notice"), help: "Notify on cancellation: on or off (default on).")
        var cancellationNotice: Switch?
        @Option(help: ArgumentHelp(
            "Its own fallback rule instead of the tenant's: email, sms (the other SMS provider; for WhatsApp the tenant's), or off (no fallback for its bookings).",
            valueName: "email|sms|off"))
        var fallback: String?
        @Option(name: .customLong("fallback-after"), help: ArgumentHelp(
            "With --fallback email or sms: also fall back when a message is not reported delivered within this many minutes (default 0: only on a report of failure).",
            valueName: "minutes"))
        var fallbackAfter: UInt32?
        @OptionGroup var customer: EventTypeCustomerOptions
        @OptionGroup var accounts: EventTypeAccountOptions
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_CreateEventTypeRequest.with { request in
                request.tenantID = tenant
                request.id = id
                request.name = name
                if let duration { request.durationMinutes = duration }
                if let reminders { request.reminderOffsets = reminders.proto }
                request.hostEmails = hostEmails?.items ?? []
                if let confirmation { request.sendConfirmation = confirmation.isOn }
                if let rescheduleNotice { request.sendRescheduleNotice = rescheduleNotice.isOn }
                if let cancellationNotice { request.sendCancellationNotice = cancellationNotice.isOn }
                if let fallback { request.fallbackChannel = fallback }
                if let fallbackAfter { request.fallbackAfterMinutes = fallbackAfter }
                if let value = customer.askConfirmation?.value { request.askConfirmation = value }
                if let value = customer.calendarInvites?.value { request.calendarInvites = value }
                if let location = customer.location { request.location = location }
                if let description = customer.description { request.description_p = description }
                if let name = accounts.emailAccount, name != "tenant" { request.emailAccount = name }
                if let name = accounts.smsAccount, name != "tenant" { request.smsAccount = name }
                if let name = accounts.whatsappAccount, name != "tenant" { request.whatsappAccount = name }
            }
            let eventType = try await CoreConnection.with(core) {
                try await $0.admin.createEventType(request)
            }
            if output.json { try printJSON(EventTypeView(eventType)) } else { print(eventType.id) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's event types.")

        @Argument(help: "The tenant's id.") var tenant: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listEventTypes(Herald_V1_ListEventTypesRequest.with { $0.tenantID = tenant })
            }
            if output.json {
                try printJSON(answer.eventTypes.map(EventTypeView.init))
            } else {
                var table = Table("id", "name", "duration", "reminders", "host emails")
                for eventType in answer.eventTypes {
                    table.append([
                        eventType.id, eventType.name, "\(eventType.durationMinutes) min",
                        reminderText(eventType), eventType.hostEmails.joined(separator: ","),
                    ])
                }
                print(table.render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one event type.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The event type's id.") var id: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let eventType = try await CoreConnection.with(core) {
                try await $0.admin.getEventType(
                    Herald_V1_GetEventTypeRequest.with {
                        $0.tenantID = tenant
                        $0.id = id
                    })
            }
            try printEventType(eventType, json: output.json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an event type; options left out keep their value.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The event type's id.") var id: String
        @Option(help: "Its name.") var name: String?
        @Option(help: "Default length of a booking in minutes.") var duration: UInt32?
        @Option(help: ArgumentHelp("Reminder offsets in minutes, or \"tenant\" to use the tenant's.", valueName: "minutes,...|tenant"))
        var reminders: String?
        @Option(name: .customLong("host-emails"), help: ArgumentHelp("Host/team addresses, or \"none\".", valueName: "a@x.com,...|none"))
        var hostEmails: String?
        @Option(help: "Send a confirmation on booking: on or off.") var confirmation: Switch?
        @Option(name: .customLong("reschedule-notice"), help: "Notify on reschedule: on or off.")
        var rescheduleNotice: Switch?
        @Option(name: .customLong("cancellation-notice"), help: "Notify on cancellation: on or off.")
        var cancellationNotice: Switch?
        @Option(help: ArgumentHelp(
            "Its own fallback rule: email, sms or off; or tenant to follow the tenant's rule again.",
            valueName: "email|sms|off|tenant"))
        var fallback: String?
        @Option(name: .customLong("fallback-after"), help: ArgumentHelp(
            "The wait of its own rule, in minutes (0: only on a report of failure).", valueName: "minutes"))
        var fallbackAfter: UInt32?
        @OptionGroup var customer: EventTypeCustomerOptions
        @OptionGroup var accounts: EventTypeAccountOptions
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let reminders, reminders != "tenant", MinutesList(argument: reminders) == nil {
                throw ValidationError("--reminders takes minutes such as 1440,60, or \"tenant\"")
            }
        }

        func run() async throws {
            let request = Herald_V1_UpdateEventTypeRequest.with { request in
                request.tenantID = tenant
                request.id = id
                if let name { request.name = name }
                if let duration { request.durationMinutes = duration }
                if reminders == "tenant" {
                    request.clearReminderOffsets_p = true
                } else if let reminders, let list = MinutesList(argument: reminders) {
                    request.reminderOffsets = list.proto
                }
                if let hostEmails {
                    request.setHostEmails = true
                    request.hostEmails = hostEmails == "none" ? [] : CommaList(argument: hostEmails)?.items ?? []
                }
                if let confirmation { request.sendConfirmation = confirmation.isOn }
                if let rescheduleNotice { request.sendRescheduleNotice = rescheduleNotice.isOn }
                if let cancellationNotice { request.sendCancellationNotice = cancellationNotice.isOn }
                if let fallback { request.fallbackChannel = fallback }
                if let fallbackAfter { request.fallbackAfterMinutes = fallbackAfter }
                if let askConfirmation = customer.askConfirmation {
                    if let value = askConfirmation.value { request.askConfirmation = value } else { request.clearAskConfirmation_p = true }
                }
                if let calendarInvites = customer.calendarInvites {
                    if let value = calendarInvites.value { request.calendarInvites = value } else { request.clearCalendarInvites_p = true }
                }
                if let location = customer.location { request.location = location }
                if let description = customer.description { request.description_p = description }
                if let name = accounts.emailAccount { request.emailAccount = name == "tenant" ? "" : name }
                if let name = accounts.smsAccount { request.smsAccount = name == "tenant" ? "" : name }
                if let name = accounts.whatsappAccount { request.whatsappAccount = name == "tenant" ? "" : name }
            }
            let eventType = try await CoreConnection.with(core) {
                try await $0.admin.updateEventType(request)
            }
            try printEventType(eventType, json: output.json)
        }
    }
}

/// What an event type's customers get beyond the notices: being asked to confirm,
/// calendar invites, and where and what the appointment is (create and update).
struct EventTypeCustomerOptions: ParsableArguments {
    @Option(
        name: .customLong("ask-confirmation"),
        help: "Ask its customers to confirm (pending bookings, reminders asking until they do): on, off, or tenant (the tenant's setting).")
    var askConfirmation: OverrideSwitch?
    @Option(
        name: .customLong("calendar-invites"),
        help: "Calendar invites on its e-mails: on, off, or tenant (the tenant's setting).")
    var calendarInvites: OverrideSwitch?
    @Option(help: "Where its appointments take place (the calendar invite's LOCATION and {{location}}); \"\" removes it.")
    var location: String?
    @Option(help: "What its customers should know (the calendar invite's DESCRIPTION); \"\" removes it.")
    var description: String?
}

/// The provider accounts an event type's messages go out with (create and update).
struct EventTypeAccountOptions: ParsableArguments {
    @Option(name: .customLong("email-account"), help: ArgumentHelp(
        "Its e-mails' provider account: a registered name, default, or tenant (the tenant's).", valueName: "name"))
    var emailAccount: String?
    @Option(name: .customLong("sms-account"), help: ArgumentHelp(
        "Its SMS' provider account: a registered name, default, or tenant.", valueName: "name"))
    var smsAccount: String?
    @Option(name: .customLong("whatsapp-account"), help: ArgumentHelp(
        "Its WhatsApp messages' provider account: a registered name, default, or tenant.", valueName: "name"))
    var whatsappAccount: String?
}

private func reminderText(_ eventType: Herald_V1_EventType) -> String {
    eventType.hasReminderOffsets
        ? eventType.reminderOffsets.minutes.map { "\($0)" }.joined(separator: ",") : "tenant's"
}

private func printEventType(_ eventType: Herald_V1_EventType, json: Bool) throws {
    if json {
        try printJSON(EventTypeView(eventType))
        return
    }
    func onOff(_ value: Bool) -> String { value ? "on" : "off" }
    var fields = Fields()
    fields.append("tenant", eventType.tenantID)
    fields.append("id", eventType.id)
    fields.append("name", eventType.name)
    fields.append("duration", "\(eventType.durationMinutes) minutes")
    fields.append("reminders", reminderText(eventType))
    fields.append("host emails", eventType.hostEmails.joined(separator: ","))
    fields.append("confirmation", onOff(eventType.sendConfirmation))
    fields.append("reschedule notice", onOff(eventType.sendRescheduleNotice))
    fields.append("cancellation notice", onOff(eventType.sendCancellationNotice))
    fields.append("fallback", fallbackText(eventType))
    fields.append("ask confirmation", eventType.hasAskConfirmation ? onOff(eventType.askConfirmation) : "the tenant's")
    fields.append("calendar invites", eventType.hasCalendarInvites ? onOff(eventType.calendarInvites) : "the tenant's")
    if !eventType.location.isEmpty { fields.append("location", eventType.location) }
    if !eventType.description_p.isEmpty { fields.append("description", eventType.description_p) }
    let accounts = [("email", eventType.emailAccount), ("sms", eventType.smsAccount), ("whatsapp", eventType.whatsappAccount)]
        .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1)" }
    fields.append("accounts", accounts.isEmpty ? "the tenant's" : accounts.joined(separator: ", ") + " (others the tenant's)")
    fields.append("updated", eventType.updatedAt)
    print(fields.render())
}

/// "the tenant's", "off", or "sms, after 30 minutes without a delivery report".
private func fallbackText(_ eventType: Herald_V1_EventType) -> String {
    switch eventType.fallbackChannel {
    case "": "the tenant's"
    case "off": "off"
    case let channel where eventType.fallbackAfterMinutes > 0:
        "\(channel), or after \(eventType.fallbackAfterMinutes) minutes without a delivery report"
    case let channel: "\(channel), when reported undelivered or failed"
    }
}
