import Foundation
import HeraldProto
import HeraldViews
import Hummingbird

extension GatewayAPI {
    func addEventTypeRoutes(to api: RouterGroup<GatewayContext>) {
        api.get("event-types") { request, context in
            let tenant = try context.requireCaller().tenant(request.uri.queryParameters.get("tenant_id"))
            let answer = try await core.admin.listEventTypes(Herald_V1_ListEventTypesRequest.with { $0.tenantID = tenant })
            return try Reply.json(["event_types": answer.eventTypes.map(EventTypeView.init)]).response
        }
        api.post("event-types") { request, context in
            let data = try await Self.readBody(request)
            return try await idempotent(request, context, body: data) {
                let body = try JSONBody(data).acceptingFormerNames(of: Self.eventTypeFields)
                try body.allowOnly(Self.eventTypeFields.union(["tenant_id", "id"]))
                let caller = try context.requireCaller()
                let tenant = try caller.tenant(try body.string("tenant_id") ?? request.uri.queryParameters.get("tenant_id"))
                try Self.accountsNeedAnAdmin(caller, body)
                var create = Herald_V1_CreateEventTypeRequest()
                create.tenantID = tenant
                create.id = try body.string("id") ?? ""
                create.name = try body.string("name") ?? ""
                if let value = try body.uint32("duration_minutes") { create.durationMinutes = value }
                if let offsets = try Self.reminderOffsets(body) { create.reminderOffsets = .with { $0.minutes = offsets } }
                create.hostEmails = try body.stringList("booking_notification_emails") ?? []
                if let value = try body.bool("send_confirmation") { create.sendConfirmation = value }
                if let value = try body.bool("send_reschedule_notice") { create.sendRescheduleNotice = value }
                if let value = try body.bool("send_cancellation_notice") { create.sendCancellationNotice = value }
                if let value = try Self.fallbackChannel(body) { create.fallbackChannel = value }
                if let value = try body.uint32("fallback_after_minutes") { create.fallbackAfterMinutes = value }
                if let value = try body.bool("ask_confirmation") { create.askConfirmation = value }
                if let value = try body.bool("calendar_invites") { create.calendarInvites = value }
                if let value = try body.string("location") { create.location = value }
                if let value = try body.string("description") { create.description_p = value }
                if let value = try body.string("email_account") { create.emailAccount = value }
                if let value = try body.string("sms_account") { create.smsAccount = value }
                if let value = try body.string("whatsapp_account") { create.whatsappAccount = value }
                let eventType = try await core.admin.createEventType(create)
                return try .json(EventTypeView(eventType), status: .created, location: "/api/event-types/\(eventType.id)")
            }.response
        }
        api.get("event-types/{id}") { request, context in
            let tenant = try context.requireCaller().tenant(request.uri.queryParameters.get("tenant_id"))
            let eventType = try await core.admin.getEventType(Herald_V1_GetEventTypeRequest.with {
                $0.tenantID = tenant
                $0.id = context.path("id") ?? ""
            })
            return try Reply.json(EventTypeView(eventType)).response
        }
        api.patch("event-types/{id}") { request, context in
            let body = try JSONBody(try await Self.readBody(request)).acceptingFormerNames(of: Self.eventTypeFields)
            try body.allowOnly(Self.eventTypeFields.union(["tenant_id"]))
            try body.requireAny(of: Self.eventTypeFields)
            let caller = try context.requireCaller()
            let tenant = try caller.tenant(try body.string("tenant_id") ?? request.uri.queryParameters.get("tenant_id"))
            try Self.accountsNeedAnAdmin(caller, body)
            var update = Herald_V1_UpdateEventTypeRequest()
            update.tenantID = tenant
            update.id = context.path("id") ?? ""
            if let value = try body.string("name") { update.name = value }
            if let value = try body.uint32("duration_minutes") { update.durationMinutes = value }
            if case JSONValue.null? = body.object["reminder_minutes_before"] {
                update.clearReminderOffsets_p = true
            } else if let offsets = try Self.reminderOffsets(body) {
                update.reminderOffsets = .with { $0.minutes = offsets }
            }
            if let emails = try body.stringList("booking_notification_emails") {
                update.hostEmails = emails
                update.setHostEmails = true
            }
            if let value = try body.bool("send_confirmation") { update.sendConfirmation = value }
            if let value = try body.bool("send_reschedule_notice") { update.sendRescheduleNotice = value }
            if let value = try body.bool("send_cancellation_notice") { update.sendCancellationNotice = value }
            if let value = try Self.fallbackChannel(body) { update.fallbackChannel = value }
            if let value = try body.uint32("fallback_after_minutes") { update.fallbackAfterMinutes = value }
            // null: follow the tenant's setting again.
            if case JSONValue.null? = body.object["ask_confirmation"] {
                update.clearAskConfirmation_p = true
            } else if let value = try body.bool("ask_confirmation") {
                update.askConfirmation = value
            }
            if case JSONValue.null? = body.object["calendar_invites"] {
                update.clearCalendarInvites_p = true
            } else if let value = try body.bool("calendar_invites") {
                update.calendarInvites = value
            }
            if let value = try body.stringOrNull("location") { update.location = value }
            if let value = try body.stringOrNull("description") { update.description_p = value }
            // null: the tenant's account again.
            if let value = try body.stringOrNull("email_account") { update.emailAccount = value }
            if let value = try body.stringOrNull("sms_account") { update.smsAccount = value }
            if let value = try body.stringOrNull("whatsapp_account") { update.whatsappAccount = value }
            let eventType = try await core.admin.updateEventType(update)
            return try Reply.json(EventTypeView(eventType)).response
        }
    }

    static let eventTypeFields: Set<String> = [
        "name", "duration_minutes", "reminder_minutes_before", "reminder_hours_before", "booking_notification_emails",
        "send_confirmation", "send_reschedule_notice", "send_cancellation_notice", "fallback_channel",
        "fallback_after_minutes", "ask_confirmation", "calendar_invites", "location", "description", "email_account",
        "sms_account", "whatsapp_account",
    ]

    /// An event type's `fallback_channel`: "email", "sms" or "off" for its own rule, null
    /// for the tenant's ("tenant" to the core); nil when the body does not name it.
    static func fallbackChannel(_ body: JSONBody) throws(Problem) -> String? {
        guard body.object["fallback_channel"] != nil else { return nil }
        if case JSONValue.null? = body.object["fallback_channel"] { return "tenant" }
        guard let value = try body.string("fallback_channel"), ["email", "sms", "off"].contains(value) else {
            throw .invalid(field: "fallback_channel", "email, sms, off or null")
        }
        return value
    }
}
