import ArgumentParser
import HeraldProto
import HeraldViews

struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Show and change a tenant's notification settings.",
        subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant's notification settings.")

        @Argument(help: "The tenant's id.") var tenant: String
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let settings = try await CoreConnection.with(core) {
                try await $0.admin.getSettings(Herald_V1_GetSettingsRequest.with { $0.tenantID = tenant })
            }
            try printSettings(settings, json: output.json)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a tenant's notification settings; options left out keep their value.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Option(help: "Send email notifications: on or off.") var email: Switch?
        @Option(help: "Send SMS notifications: on or off.") var sms: Switch?
        @Option(help: "Send WhatsApp notifications: on or off.") var whatsapp: Switch?
        @Option(help: ArgumentHelp("Reminder offsets in minutes before the start, e.g. 1440,60.", valueName: "minutes,..."))
        var reminders: MinutesList?
        @Option(name: .customLong("sms-provider"), help: "Preferred SMS provider: twilio or vonage.")
        var smsProvider: String?
        @Option(name: .customLong("sms-failover"), help: "Fall back to the other SMS provider: on or off.")
        var smsFailover: Switch?
        @Option(help: "IANA time zone, e.g. Europe/Berlin.") var timezone: String?
        @Option(
            name: .customLong("quiet-hours"),
            help: ArgumentHelp("No messages in this local time range, e.g. 21:00-08:00, or off.", valueName: "HH:MM-HH:MM|off"))
        var quietHours: QuietHoursArgument?
        @Option(
            name: .customLong("follow-up"),
            help: ArgumentHelp("Send a follow-up this many minutes after the end, or off.", valueName: "minutes|off"))
        var followUp: FollowUpArgument?
        @Option(name: .customLong("sender-name"), help: "The sender name customers see.") var senderName: String?
        @Option(name: .customLong("reply-to"), help: "Reply-to address for emails (empty to remove).") var replyTo: String?
        @Option(help: "Locale for dates in messages, e.g. en-US, de-DE.") var locale: String?
        @Option(
            help: ArgumentHelp(
                "Where an SMS or WhatsApp message the provider reports undelivered (or that fails) goes instead, before the appointment: email, sms (the other SMS provider; for WhatsApp the tenant's), or off.",
                valueName: "email|sms|off"))
        var fallback: String?
        @Option(
            name: .customLong("fallback-after"),
            help: ArgumentHelp("Also fall back when it is not reported delivered within this many minutes (0: only on a report of failure).", valueName: "minutes"))
        var fallbackAfter: UInt32?
        @Option(
            name: .customLong("reply-confirm"),
            help: ArgumentHelp("Words a customer may reply by SMS or WhatsApp to confirm their next booking, e.g. C,OK (empty: none).", valueName: "word,..."))
        var replyConfirm: String?
        @Option(
            name: .customLong("reply-cancel"),
            help: ArgumentHelp("Words a customer may reply to cancel their next booking, e.g. X (empty: none).", valueName: "word,..."))
        var replyCancel: String?
        @Option(
            name: .customLong("customer-links"),
            help: "Signed confirm and cancel links in customers' confirmations, reminders and reschedule notices (heraldd needs --public-url): on or off.")
        var customerLinks: Switch?
        @Option(
            name: .customLong("ask-confirmation"),
            help: "Ask customers to confirm: new bookings start pending and their confirmation and reminders ask until they do: on or off.")
        var askConfirmation: Switch?
        @Option(
            name: .customLong("confirm-deadline"),
            help: ArgumentHelp(
                "A pending booking not confirmed this many minutes before the start is reported to the team as booking.unconfirmed (0: no deadline).",
                valueName: "minutes"))
        var confirmDeadline: UInt32?
        @Option(
            name: .customLong("cancel-unconfirmed"),
            help: "At the deadline, cancel a booking still not confirmed (with the usual notices) instead of only reporting it: on or off.")
        var cancelUnconfirmed: Switch?
        @Option(
            name: .customLong("calendar-invites"),
            help: "Calendar invites on confirmation, reschedule and cancellation e-mails: on or off.")
        var calendarInvites: Switch?
        @Option(
            name: .customLong("email-account"),
            help: ArgumentHelp("The provider account e-mails go out with: a name in the e-mail workers' accounts files, or default.", valueName: "name"))
        var emailAccount: String?
        @Option(
            name: .customLong("sms-account"),
            help: ArgumentHelp("The provider account SMS go out with (the same name on Twilio and Vonage for failover), or default.", valueName: "name"))
        var smsAccount: String?
        @Option(
            name: .customLong("whatsapp-account"),
            help: ArgumentHelp("The provider account WhatsApp messages go out with, or default.", valueName: "name"))
        var whatsappAccount: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let smsProvider, !["twilio", "vonage"].contains(smsProvider.lowercased()) {
                throw ValidationError("--sms-provider must be twilio or vonage, not \"\(smsProvider)\"")
            }
            if let fallback, !["email", "sms", "off"].contains(fallback.lowercased()) {
                throw ValidationError("--fallback must be email, sms or off, not \"\(fallback)\"")
            }
        }

        func run() async throws {
            // Both keyword lists are replaced together: the one not given keeps its words.
            var keywords: (confirm: [String], cancel: [String])?
            if replyConfirm != nil || replyCancel != nil {
                let current = try await CoreConnection.with(core) {
                    try await $0.admin.getSettings(.with { $0.tenantID = tenant })
                }
                func words(_ text: String) -> [String] {
                    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                keywords = (
                    replyConfirm.map(words) ?? current.replyConfirmKeywords, replyCancel.map(words) ?? current.replyCancelKeywords)
            }
            let request = Herald_V1_UpdateSettingsRequest.with { request in
                request.tenantID = tenant
                if let email { request.emailEnabled = email.isOn }
                if let sms { request.smsEnabled = sms.isOn }
                if let whatsapp { request.whatsappEnabled = whatsapp.isOn }
                if let reminders { request.reminderOffsets = reminders.proto }
                switch smsProvider?.lowercased() {
                case "twilio": request.smsProvider = .twilio
                case "vonage": request.smsProvider = .vonage
                default: break
                }
                if let smsFailover { request.smsFailover = smsFailover.isOn }
                if let timezone { request.timezone = timezone }
                if let quietHours {
                    if let hours = quietHours.hours { request.quietHours = hours } else { request.clearQuietHours_p = true }
                }
                if let followUp {
                    request.followUpEnabled = followUp.minutes != nil
                    if let minutes = followUp.minutes { request.followUpMinutes = minutes }
                }
                if let senderName { request.senderName = senderName }
                if let replyTo { request.replyToEmail = replyTo }
                if let locale { request.locale = locale }
                if let fallback { request.fallbackChannel = fallback.lowercased() == "off" ? "" : fallback.lowercased() }
                if let fallbackAfter { request.fallbackAfterMinutes = fallbackAfter }
                if let customerLinks { request.customerLinks = customerLinks.isOn }
                if let askConfirmation { request.askConfirmation = askConfirmation.isOn }
                if let confirmDeadline { request.confirmDeadlineMinutes = confirmDeadline }
                if let cancelUnconfirmed { request.cancelUnconfirmed = cancelUnconfirmed.isOn }
                if let calendarInvites { request.calendarInvites = calendarInvites.isOn }
                if let emailAccount { request.emailAccount = emailAccount }
                if let smsAccount { request.smsAccount = smsAccount }
                if let whatsappAccount { request.whatsappAccount = whatsappAccount }
                if let keywords {
                    request.setReplyKeywords = true
                    request.replyConfirmKeywords = keywords.confirm
                    request.replyCancelKeywords = keywords.cancel
                }
            }
            let settings = try await CoreConnection.with(core) {
                try await $0.admin.updateSettings(request)
            }
            try printSettings(settings, json: output.json)
        }
    }
}

private func printSettings(_ settings: Herald_V1_NotificationSettings, json: Bool) throws {
    if json {
        try printJSON(SettingsView(settings))
        return
    }
    func onOff(_ value: Bool) -> String { value ? "on" : "off" }
    var fields = Fields()
    fields.append("tenant", settings.tenantID)
    fields.append("email", onOff(settings.emailEnabled))
    fields.append("sms", onOff(settings.smsEnabled))
    fields.append("whatsapp", onOff(settings.whatsappEnabled))
    fields.append("reminders", settings.reminderOffsetsMinutes.map { "\($0)" }.joined(separator: ",") + " (minutes before)")
    fields.append("sms provider", settings.smsProvider.word)
    fields.append("sms failover", onOff(settings.smsFailover))
    fields.append("timezone", settings.timezone)
    fields.append("quiet hours", settings.hasQuietHours ? QuietHoursArgument.format(settings.quietHours) : "off")
    fields.append("follow-up", settings.followUpEnabled ? "\(settings.followUpMinutes) minutes after the end" : "off")
    fields.append("sender name", settings.senderName)
    fields.append("reply-to", settings.replyToEmail)
    fields.append("locale", settings.locale)
    fields.append("fallback", settings.fallbackChannel.isEmpty ? "off" : settings.fallbackChannel
        + (settings.fallbackAfterMinutes > 0
            ? ", when it fails, is reported undelivered or is not reported delivered within \(settings.fallbackAfterMinutes) minutes"
            : ", when it fails or is reported undelivered"))
    let replies = [("confirm", settings.replyConfirmKeywords), ("cancel", settings.replyCancelKeywords)]
        .filter { !$0.1.isEmpty }.map { "\($0.1.joined(separator: ",")) to \($0.0)" }
    fields.append("reply keywords", replies.isEmpty ? "off" : replies.joined(separator: "; "))
    fields.append("customer links", settings.customerLinks ? "on (confirm and cancel)" : "off")
    var asking = onOff(settings.askConfirmation)
    if settings.askConfirmation, settings.confirmDeadlineMinutes > 0 {
        asking += ", by \(settings.confirmDeadlineMinutes) minutes before the start, then "
            + (settings.cancelUnconfirmed ? "cancelled" : "reported to the team")
    }
    fields.append("ask confirmation", asking)
    fields.append("calendar invites", onOff(settings.calendarInvites))
    let accounts = [("email", settings.emailAccount), ("sms", settings.smsAccount), ("whatsapp", settings.whatsappAccount)]
        .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1)" }
    fields.append("accounts", accounts.isEmpty ? "default" : accounts.joined(separator: ", ") + " (others default)")
    fields.append("updated", settings.updatedAt)
    print(fields.render())
}
