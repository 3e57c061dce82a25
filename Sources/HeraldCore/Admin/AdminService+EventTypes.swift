import Foundation
import HeraldProto

extension AdminService {
    public func createEventType(_ request: Herald_V1_CreateEventTypeRequest) async throws(AdminError) -> Herald_V1_EventType {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let id = validator.identifier("id", request.id)
        let name = validator.text("name", request.name, required: true)
        let duration = request.hasDurationMinutes ? validDuration(request.durationMinutes, &validator) : 60
        let offsets = request.hasReminderOffsets
            ? validator.reminderOffsets("reminder_offsets", request.reminderOffsets.minutes) : nil
        let hostEmails = validHostEmails(request.hostEmails, &validator)
        let fallback = request.fallbackChannel.isEmpty || request.fallbackChannel == "tenant"
            ? (request.hasFallbackAfterMinutes ? Self.fallbackWithoutChannel(&validator) : nil)
            : validFallback(request.fallbackChannel, afterMinutes: request.hasFallbackAfterMinutes ? request.fallbackAfterMinutes : 0, &validator)
        let location = validator.text("location", request.location, required: false, maxLength: 500)
        let details = validator.paragraphs("description", request.description_p)
        // Empty: the tenant's; "default" (or a name): its own.
        let accounts = try await checkedAccounts([
            request.emailAccount.isEmpty ? nil : AccountChoice(channel: "email", name: request.emailAccount),
            request.smsAccount.isEmpty ? nil : AccountChoice(channel: "sms", name: request.smsAccount),
            request.whatsappAccount.isEmpty ? nil : AccountChoice(channel: "whatsapp", name: request.whatsappAccount),
        ], &validator)
        try validator.finish()
        guard let id, let name, let duration else { throw .invalidArgument(validator.violations) }

        let now = clock.now()
        let eventType = EventType(
            tenantID: tenant.id, id: id, name: name, durationMinutes: duration,
            reminderOffsets: offsets, hostEmails: hostEmails,
            sendConfirmation: request.hasSendConfirmation ? request.sendConfirmation : true,
            sendRescheduleNotice: request.hasSendRescheduleNotice ? request.sendRescheduleNotice : true,
            sendCancellationNotice: request.hasSendCancellationNotice ? request.sendCancellationNotice : true,
            fallback: fallback,
            askConfirmation: request.hasAskConfirmation ? request.askConfirmation : nil,
            calendarInvites: request.hasCalendarInvites ? request.calendarInvites : nil,
            location: location.flatMap { $0.isEmpty ? nil : $0 }, details: details.flatMap { $0.isEmpty ? nil : $0 },
            emailAccount: accounts["email"], smsAccount: accounts["sms"], whatsappAccount: accounts["whatsapp"],
            createdAt: now, updatedAt: now)
        try await storing { try await store.createEventType(eventType) }
        logger.info("event type created", metadata: ["tenant": "\(tenant.id)", "event_type": "\(id)"])
        return eventType.proto
    }

    public func getEventType(_ request: Herald_V1_GetEventTypeRequest) async throws(AdminError) -> Herald_V1_EventType {
        try await requireEventType(tenantID: request.tenantID, id: request.id, field: "id").proto
    }

    public func listEventTypes(_ request: Herald_V1_ListEventTypesRequest) async throws(AdminError) -> Herald_V1_ListEventTypesResponse {
        let tenant = try await requireTenant(request.tenantID)
        let eventTypes = try await storing { try await store.eventTypes(tenantID: tenant.id) }
        return .with { $0.eventTypes = eventTypes.map(\.proto) }
    }

    public func updateEventType(_ request: Herald_V1_UpdateEventTypeRequest) async throws(AdminError) -> Herald_V1_EventType {
        var eventType = try await requireEventType(tenantID: request.tenantID, id: request.id, field: "id")
        var validator = FieldValidator()
        if request.hasName, let name = validator.text("name", request.name, required: true) {
            eventType.name = name
        }
        if request.hasDurationMinutes, let duration = validDuration(request.durationMinutes, &validator) {
            eventType.durationMinutes = duration
        }
        if request.hasReminderOffsets && request.clearReminderOffsets_p {
            validator.fail("reminder_offsets", "cannot be set and cleared in one request")
        } else if request.clearReminderOffsets_p {
            eventType.reminderOffsets = nil
        } else if request.hasReminderOffsets,
            let offsets = validator.reminderOffsets("reminder_offsets", request.reminderOffsets.minutes)
        {
            eventType.reminderOffsets = offsets
        }
        if request.setHostEmails {
            eventType.hostEmails = validHostEmails(request.hostEmails, &validator)
        } else if !request.hostEmails.isEmpty {
            validator.fail("host_emails", "set set_host_emails to replace the list")
        }
        if request.hasSendConfirmation { eventType.sendConfirmation = request.sendConfirmation }
        if request.hasSendRescheduleNotice { eventType.sendRescheduleNotice = request.sendRescheduleNotice }
        if request.hasSendCancellationNotice { eventType.sendCancellationNotice = request.sendCancellationNotice }
        if request.hasFallbackChannel || request.hasFallbackAfterMinutes {
            let channel = request.hasFallbackChannel ? request.fallbackChannel : eventType.fallback?.channelName
            // A new channel keeps the wait of the old rule, unless it is off (which has none).
            let wait = request.hasFallbackAfterMinutes ? request.fallbackAfterMinutes
                : channel == "off" ? 0 : UInt32(eventType.fallback?.afterMinutes ?? 0)
            switch channel {
            case "tenant":
                if request.hasFallbackAfterMinutes { validator.fail("fallback_after_minutes", "goes with a rule of the event type's own, not with tenant") }
                eventType.fallback = nil
            case let channel?:
                eventType.fallback = validFallback(channel, afterMinutes: wait, &validator)
            case nil:
                _ = Self.fallbackWithoutChannel(&validator)
            }
        }
        if request.hasAskConfirmation && request.clearAskConfirmation_p {
            validator.fail("ask_confirmation", "cannot be set and cleared in one request")
        } else if request.clearAskConfirmation_p {
            eventType.askConfirmation = nil
        } else if request.hasAskConfirmation {
            eventType.askConfirmation = request.askConfirmation
        }
        if request.hasCalendarInvites && request.clearCalendarInvites_p {
            validator.fail("calendar_invites", "cannot be set and cleared in one request")
        } else if request.clearCalendarInvites_p {
            eventType.calendarInvites = nil
        } else if request.hasCalendarInvites {
            eventType.calendarInvites = request.calendarInvites
        }
        if request.hasLocation, let location = validator.text("location", request.location, required: false, maxLength: 500) {
            eventType.location = location.isEmpty ? nil : location
        }
        if request.hasDescription_p, let details = validator.paragraphs("description", request.description_p) {
            eventType.details = details.isEmpty ? nil : details
        }
        // "": the tenant's again.
        let accounts = try await checkedAccounts([
            request.hasEmailAccount && !request.emailAccount.isEmpty ? AccountChoice(channel: "email", name: request.emailAccount) : nil,
            request.hasSmsAccount && !request.smsAccount.isEmpty ? AccountChoice(channel: "sms", name: request.smsAccount) : nil,
            request.hasWhatsappAccount && !request.whatsappAccount.isEmpty
                ? AccountChoice(channel: "whatsapp", name: request.whatsappAccount) : nil,
        ], &validator)
        if request.hasEmailAccount { eventType.emailAccount = accounts["email"] }
        if request.hasSmsAccount { eventType.smsAccount = accounts["sms"] }
        if request.hasWhatsappAccount { eventType.whatsappAccount = accounts["whatsapp"] }
        try validator.finish()

        eventType.updatedAt = clock.now()
        let saved = eventType
        try await storing { try await store.saveEventType(saved) }
        logger.info("event type updated", metadata: ["tenant": "\(saved.tenantID)", "event_type": "\(saved.id)"])
        return saved.proto
    }

    func requireEventType(tenantID: String, id: String, field: String) async throws(AdminError) -> EventType {
        let tenant = try await requireTenant(tenantID)
        var validator = FieldValidator()
        _ = validator.identifier(field, id)
        try validator.finish()
        guard let eventType = try await storing({ try await store.eventType(tenantID: tenant.id, id: id) }) else {
            throw .notFound(field: field, "tenant \"\(tenant.id)\" has no event type \"\(id)\"")
        }
        return eventType
    }

    /// An event type's own fallback: "off", or "email" or "sms" with a wait.
    private func validFallback(_ channel: String, afterMinutes: UInt32, _ validator: inout FieldValidator) -> FallbackOverride? {
        if afterMinutes > 7 * 24 * 60 {
            validator.fail("fallback_after_minutes", "must be between 0 (only when reported undelivered) and \(7 * 24 * 60) minutes")
            return nil
        }
        if channel == "off" {
            if afterMinutes > 0 { validator.fail("fallback_after_minutes", "goes with fallback_channel email or sms, not off") }
            return .off
        }
        guard let channel = FallbackChannel(rawValue: channel) else {
            validator.fail("fallback_channel", "\"\(channel)\" is not email, sms, off or tenant")
            return nil
        }
        return .rule(FallbackRule(channel: channel, afterMinutes: Int(afterMinutes)))
    }

    private static func fallbackWithoutChannel(_ validator: inout FieldValidator) -> FallbackOverride? {
        validator.fail("fallback_after_minutes", "needs fallback_channel email or sms")
        return nil
    }

    private func validDuration(_ minutes: UInt32, _ validator: inout FieldValidator) -> Int? {
        guard (1...(7 * 24 * 60)).contains(minutes) else {
            validator.fail("duration_minutes", "must be between 1 and \(7 * 24 * 60) minutes")
            return nil
        }
        return Int(minutes)
    }

    private func validHostEmails(_ emails: [String], _ validator: inout FieldValidator) -> [String] {
        if emails.count > 20 {
            validator.fail("host_emails", "lists more than 20 addresses")
            return []
        }
        return emails.compactMap { validator.email("host_emails", $0) }
    }
}
