import Foundation
import HeraldProto
import HeraldViews
import Hummingbird

extension GatewayAPI {
    func addSettingsRoutes(to api: RouterGroup<GatewayContext>) {
        api.get("tenants/{tenant}/settings") { _, context in
            let tenant = try context.requireCaller().tenant(context.path("tenant"), field: "tenant")
            let settings = try await core.admin.getSettings(Herald_V1_GetSettingsRequest.with { $0.tenantID = tenant })
            return try Reply.json(SettingsView(settings)).response
        }
        api.patch("tenants/{tenant}/settings") { request, context in
            let caller = try context.requireCaller()
            let tenant = try caller.tenant(context.path("tenant"), field: "tenant")
            let body = try JSONBody(try await Self.readBody(request)).acceptingFormerNames(of: Self.settingsFields)
            try Self.accountsNeedAnAdmin(caller, body)
            // Replacing one keyword list keeps the other: read it first.
            let current = body.has("reply_confirm_keywords") != body.has("reply_cancel_keywords")
                ? try await core.admin.getSettings(.with { $0.tenantID = tenant }) : nil
            let update = try Self.settingsUpdate(tenant, body, current: current)
            let settings = try await core.admin.updateSettings(update)
            return try Reply.json(SettingsView(settings)).response
        }
    }

    static func settingsUpdate(
        _ tenant: String, _ body: JSONBody, current: Herald_V1_NotificationSettings? = nil
    ) throws(Problem) -> Herald_V1_UpdateSettingsRequest {
        let fields = settingsFields
        try body.allowOnly(fields)
        try body.requireAny(of: fields)
        var update = Herald_V1_UpdateSettingsRequest()
        update.tenantID = tenant
        if let value = try body.bool("email_enabled") { update.emailEnabled = value }
        if let value = try body.bool("sms_enabled") { update.smsEnabled = value }
        if let value = try body.bool("whatsapp_enabled") { update.whatsappEnabled = value }
        if let offsets = try reminderOffsets(body) { update.reminderOffsets = .with { $0.minutes = offsets } }
        let providerWord = try body.string("sms_provider")
        let aliasWord = try body.string("provider")
        if let word = providerWord ?? aliasWord {
            switch word {
            case "twilio": update.smsProvider = .twilio
            case "vonage": update.smsProvider = .vonage
            default: throw .invalid(field: body.has("sms_provider") ? "sms_provider" : "provider", "twilio or vonage")
            }
        }
        if let value = try body.bool("sms_failover") { update.smsFailover = value }
        if let value = try body.string("timezone") { update.timezone = value }
        if body.object["quiet_hours"] != nil {
            if case JSONValue.null? = body.object["quiet_hours"] {
                update.clearQuietHours_p = true
            } else {
                update.quietHours = try quietHours(body)
            }
        }
        if let value = try body.bool("follow_up_enabled") { update.followUpEnabled = value }
        if let value = try body.uint32("follow_up_minutes") { update.followUpMinutes = value }
        if let value = try body.string("sender_name") { update.senderName = value }
        if let value = try body.string("reply_to_email") { update.replyToEmail = value }
        if let value = try body.string("locale") { update.locale = value }
        if body.object["fallback_channel"] != nil {
            if case JSONValue.null? = body.object["fallback_channel"] {
                update.fallbackChannel = ""
            } else if let value = try body.string("fallback_channel") {
                guard ["email", "sms"].contains(value) else { throw .invalid(field: "fallback_channel", "email, sms or null") }
                update.fallbackChannel = value
            }
        }
        if let value = try body.uint32("fallback_after_minutes") { update.fallbackAfterMinutes = value }
        if let value = try body.bool("customer_links") { update.customerLinks = value }
        if let value = try body.bool("ask_confirmation") { update.askConfirmation = value }
        if let value = try body.uint32("confirm_deadline_minutes") { update.confirmDeadlineMinutes = value }
        if let value = try body.bool("cancel_unconfirmed") { update.cancelUnconfirmed = value }
        if let value = try body.bool("calendar_invites") { update.calendarInvites = value }
        // null: the workers' default account.
        if let value = try body.stringOrNull("email_account") { update.emailAccount = value }
        if let value = try body.stringOrNull("sms_account") { update.smsAccount = value }
        if let value = try body.stringOrNull("whatsapp_account") { update.whatsappAccount = value }
        let confirm = try body.stringList("reply_confirm_keywords")
        let cancel = try body.stringList("reply_cancel_keywords")
        if confirm != nil || cancel != nil {
            // Both lists are replaced together: the one not given keeps its words.
            update.setReplyKeywords = true
            update.replyConfirmKeywords = confirm ?? current?.replyConfirmKeywords ?? []
            update.replyCancelKeywords = cancel ?? current?.replyCancelKeywords ?? []
        }
        return update
    }

    /// The provider accounts (whose credentials and senders they are) are the
    /// operator's to assign: a tenant key may not choose one, so a business can never
    /// send as another's number.
    static let accountFields = ["email_account", "sms_account", "whatsapp_account"]

    static func accountsNeedAnAdmin(_ caller: Caller, _ body: JSONBody) throws(Problem) {
        guard caller.role != .admin, let field = accountFields.first(where: { body.has($0) }) else { return }
        throw .forbidden("\(field): provider accounts are assigned with an admin key")
    }

    static let settingsFields: Set<String> = [
        "email_enabled", "sms_enabled", "whatsapp_enabled", "reminder_minutes_before", "reminder_hours_before",
        "sms_provider", "provider", "sms_failover", "timezone", "quiet_hours", "follow_up_enabled", "follow_up_minutes",
        "sender_name", "reply_to_email", "locale", "fallback_channel", "fallback_after_minutes", "reply_confirm_keywords",
        "reply_cancel_keywords", "customer_links", "ask_confirmation", "confirm_deadline_minutes", "cancel_unconfirmed",
        "calendar_invites", "email_account", "sms_account", "whatsapp_account",
    ]

    /// `reminder_minutes_before: [1440, 60]`, or `reminder_hours_before` as a number or a list.
    static func reminderOffsets(_ body: JSONBody) throws(Problem) -> [UInt32]? {
        if let minutes = try body.uint32List("reminder_minutes_before") { return minutes }
        guard body.has("reminder_hours_before") else { return nil }
        let hours: [UInt32]
        if case JSONValue.number? = body.object["reminder_hours_before"] {
            hours = [try body.uint32("reminder_hours_before") ?? 0]
        } else {
            hours = try body.uint32List("reminder_hours_before") ?? []
        }
        guard hours.allSatisfy({ $0 <= 24 * 366 }) else {
            throw .invalid(field: "reminder_hours_before", "at most a year (8784 hours)")
        }
        return hours.map { $0 * 60 }
    }

    /// `{"start": "21:00", "end": "08:00"}`.
    static func quietHours(_ body: JSONBody) throws(Problem) -> Herald_V1_QuietHours {
        let problem = Problem.invalid(field: "quiet_hours", "{\"start\": \"HH:MM\", \"end\": \"HH:MM\"} or null")
        guard case JSONValue.object(let fields)? = body.object["quiet_hours"],
            case JSONValue.string(let start)? = fields["start"], case JSONValue.string(let end)? = fields["end"],
            let startMinute = minute(start), let endMinute = minute(end)
        else { throw problem }
        return .with {
            $0.startMinute = startMinute
            $0.endMinute = endMinute
        }
    }

    private static func minute(_ text: String) -> UInt32? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hour = UInt32(parts[0]), let minute = UInt32(parts[1]), hour < 24, minute < 60
        else { return nil }
        return hour * 60 + minute
    }
}
