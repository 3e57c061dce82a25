import Foundation
import HeraldProto

extension AdminService {
    public func createTenant(_ request: Herald_V1_CreateTenantRequest) async throws(AdminError) -> Herald_V1_Tenant {
        var validator = FieldValidator()
        let id = validator.identifier("id", request.id)
        let name = validator.text("name", request.name, required: true)
        let timeZone = request.timezone.isEmpty ? "UTC" : validator.timeZone("timezone", request.timezone)
        try validator.finish()
        guard let id, let name, let timeZone else { throw .invalidArgument(validator.violations) }

        let now = clock.now()
        let tenant = Tenant(id: id, name: name, createdAt: now)
        var settings = NotificationSettings.defaults(tenantID: id, timeZone: timeZone, now: now)
        settings.senderName = name
        try await storing { try await store.createTenant(tenant, settings: settings) }
        logger.info("tenant created", metadata: ["tenant": "\(id)"])
        return tenant.proto
    }

    public func getTenant(_ request: Herald_V1_GetTenantRequest) async throws(AdminError) -> Herald_V1_Tenant {
        try await requireTenant(request.id, field: "id").proto
    }

    public func listTenants(_ request: Herald_V1_ListTenantsRequest) async throws(AdminError) -> Herald_V1_ListTenantsResponse {
        let tenants = try await storing { try await store.tenants() }
        return .with { $0.tenants = tenants.map(\.proto) }
    }

    public func getSettings(_ request: Herald_V1_GetSettingsRequest) async throws(AdminError) -> Herald_V1_NotificationSettings {
        try await currentSettings(tenantID: request.tenantID).proto
    }

    public func updateSettings(_ request: Herald_V1_UpdateSettingsRequest) async throws(AdminError) -> Herald_V1_NotificationSettings {
        var settings = try await currentSettings(tenantID: request.tenantID)
        var validator = FieldValidator()

        if request.hasEmailEnabled { settings.emailEnabled = request.emailEnabled }
        if request.hasSmsEnabled { settings.smsEnabled = request.smsEnabled }
        if request.hasWhatsappEnabled { settings.whatsappEnabled = request.whatsappEnabled }
        if request.hasReminderOffsets,
            let offsets = validator.reminderOffsets("reminder_offsets", request.reminderOffsets.minutes)
        {
            settings.reminderOffsets = offsets
        }
        if request.smsProvider != .unspecified {
            if let provider = SMSProvider(proto: request.smsProvider) {
                settings.smsProvider = provider
            } else {
                validator.fail("sms_provider", "must be twilio or vonage")
            }
        }
        if request.hasSmsFailover { settings.smsFailover = request.smsFailover }
        if request.hasTimezone, let zone = validator.timeZone("timezone", request.timezone) {
            settings.timeZone = zone
        }
        if request.hasQuietHours && request.clearQuietHours_p {
            validator.fail("quiet_hours", "cannot be set and cleared in one request")
        } else if request.clearQuietHours_p {
            settings.quietHours = nil
        } else if request.hasQuietHours {
            let start = Int(request.quietHours.startMinute)
            let end = Int(request.quietHours.endMinute)
            if start >= 24 * 60 || end >= 24 * 60 {
                validator.fail("quiet_hours", "start and end must be times of day between 00:00 and 23:59")
            } else if start == end {
                validator.fail("quiet_hours", "start and end must differ")
            } else {
                settings.quietHours = QuietHours(startMinute: start, endMinute: end)
            }
        }
        if request.hasFollowUpEnabled { settings.followUpEnabled = request.followUpEnabled }
        if request.hasFollowUpMinutes {
            if request.followUpMinutes == 0 || request.followUpMinutes > 30 * 24 * 60 {
                validator.fail("follow_up_minutes", "must be between 1 and \(30 * 24 * 60) minutes after the end")
            } else {
                settings.followUpMinutes = Int(request.followUpMinutes)
            }
        }
        if request.hasFallbackChannel {
            if request.fallbackChannel.isEmpty || request.fallbackChannel == "off" {
                settings.fallbackChannel = nil
            } else if let channel = FallbackChannel(rawValue: request.fallbackChannel) {
                settings.fallbackChannel = channel
            } else {
                validator.fail("fallback_channel", "\"\(request.fallbackChannel)\" is not email, sms or off")
            }
        }
        if request.hasFallbackAfterMinutes {
            if request.fallbackAfterMinutes > 7 * 24 * 60 {
                validator.fail("fallback_after_minutes", "must be between 0 (only when reported undelivered) and \(7 * 24 * 60) minutes")
            } else {
                settings.fallbackAfterMinutes = Int(request.fallbackAfterMinutes)
            }
        }
        if request.hasCustomerLinks { settings.customerLinks = request.customerLinks }
        if request.hasAskConfirmation { settings.askConfirmation = request.askConfirmation }
        if request.hasConfirmDeadlineMinutes {
            if request.confirmDeadlineMinutes > Self.longestConfirmDeadline {
                validator.fail(
                    "confirm_deadline_minutes",
                    "must be between 0 (no deadline) and \(Self.longestConfirmDeadline) minutes (30 days)")
            } else {
                settings.confirmDeadlineMinutes = Int(request.confirmDeadlineMinutes)
            }
        }
        if request.hasCancelUnconfirmed { settings.cancelUnconfirmed = request.cancelUnconfirmed }
        if request.hasCalendarInvites { settings.calendarInvites = request.calendarInvites }
        if request.setReplyKeywords {
            let confirm = Self.replyKeywords("reply_confirm_keywords", request.replyConfirmKeywords, &validator)
            let cancel = Self.replyKeywords("reply_cancel_keywords", request.replyCancelKeywords, &validator)
            if let confirm, let cancel {
                if !Set(confirm).isDisjoint(with: cancel) {
                    validator.fail("reply_cancel_keywords", "a word cannot both confirm and cancel")
                } else {
                    settings.replyConfirmKeywords = confirm
                    settings.replyCancelKeywords = cancel
                }
            }
        }
        if request.hasSenderName, let name = validator.text("sender_name", request.senderName, required: false) {
            settings.senderName = name
        }
        if request.hasReplyToEmail {
            if request.replyToEmail.isEmpty {
                settings.replyToEmail = nil
            } else if let email = validator.email("reply_to_email", request.replyToEmail) {
                settings.replyToEmail = email
            }
        }
        if request.hasLocale {
            if request.locale.isEmpty || request.locale.count > 35
                || !request.locale.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            {
                validator.fail("locale", "\"\(request.locale)\" is not a BCP 47 locale (e.g. en-US, de-DE)")
            } else {
                settings.locale = request.locale
            }
        }
        // "" or "default": the workers' default account, stored as none.
        let accounts = try await checkedAccounts([
            request.hasEmailAccount ? AccountChoice(channel: "email", name: request.emailAccount) : nil,
            request.hasSmsAccount ? AccountChoice(channel: "sms", name: request.smsAccount) : nil,
            request.hasWhatsappAccount ? AccountChoice(channel: "whatsapp", name: request.whatsappAccount) : nil,
        ], &validator)
        if request.hasEmailAccount { settings.emailAccount = accounts["email"].flatMap { ProviderAccounts.isDefault($0) ? nil : $0 } }
        if request.hasSmsAccount { settings.smsAccount = accounts["sms"].flatMap { ProviderAccounts.isDefault($0) ? nil : $0 } }
        if request.hasWhatsappAccount {
            settings.whatsappAccount = accounts["whatsapp"].flatMap { ProviderAccounts.isDefault($0) ? nil : $0 }
        }
        try validator.finish()

        settings.updatedAt = clock.now()
        let saved = settings
        try await storing { try await store.saveSettings(saved) }
        logger.info("settings updated", metadata: ["tenant": "\(saved.tenantID)"])
        return saved.proto
    }

    func currentSettings(tenantID: String) async throws(AdminError) -> NotificationSettings {
        let tenant = try await requireTenant(tenantID)
        guard let settings = try await storing({ try await store.settings(tenantID: tenant.id) }) else {
            // Every tenant is created with its settings in one transaction.
            throw AdminError(code: .internal, message: "tenant \"\(tenant.id)\" has no settings row")
        }
        return settings
    }

    /// Reply keywords: at most 10 words of 1-20 ASCII letters or digits, kept in upper
    /// case without repeats. The opt-out words are the carriers', and the words
    /// providers answer themselves (HELP, INFO; Twilio's YES opts in, REVOKE and OPTOUT
    /// opt out) would never reach the tenant as meant: all are refused.
    static func replyKeywords(_ field: String, _ values: [String], _ validator: inout FieldValidator) -> [String]? {
        guard values.count <= 10 else {
            validator.fail(field, "at most 10 words")
            return nil
        }
        var words: [String] = []
        for value in values {
            guard (1...20).contains(value.count),
                  value.unicodeScalars.allSatisfy({ $0.isASCII && CharacterSet.alphanumerics.contains($0) })
            else {
                validator.fail(field, "\"\(value)\" is not one word of 1-20 letters or digits (A-Z, 0-9)")
                return nil
            }
            let word = value.uppercased()
            guard ReplyMeaning(text: word, optOutType: nil) == nil, !Self.providerReplyWords.contains(word) else {
                validator.fail(field, "\"\(word)\" is an opt-out word or one providers answer themselves (STOP, START, HELP, YES, ...)")
                return nil
            }
            if !words.contains(word) { words.append(word) }
        }
        return words
    }

    /// Words providers answer or act on before Herald could (help and opt-in/opt-out).
    static let providerReplyWords: Set<String> = ["HELP", "INFO", "YES", "REVOKE", "OPTOUT"]

    /// The longest confirmation deadline: 30 days before the start.
    static let longestConfirmDeadline: UInt32 = 30 * 24 * 60
}
