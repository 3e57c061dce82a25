import Foundation
import HeraldProto

extension AdminService {
    /// Template text is bounded: an SMS template has no business being a novel,
    /// and the whole delivery must fit the channel endpoint's frame limit.
    static let templateLimits = (subject: 500, body: 20_000, html: 100_000)

    public func setTemplate(_ request: Herald_V1_SetTemplateRequest) async throws(AdminError) -> Herald_V1_MessageTemplate {
        let tenant = try await requireTenant(request.tenantID)
        let template = try Self.checkedTemplate(
            tenantID: tenant.id, kind: request.kind, channel: request.channel, subject: request.subject,
            body: request.body, htmlBody: request.htmlBody, now: clock.now())
        let kind = template.kind, channel = template.channel
        try await storing { try await store.saveTemplate(template) }
        logger.info("template set", metadata: ["tenant": "\(tenant.id)", "kind": "\(kind.rawValue)", "channel": "\(channel)"])
        return template.proto
    }

    public func listTemplates(_ request: Herald_V1_ListTemplatesRequest) async throws(AdminError) -> Herald_V1_ListTemplatesResponse {
        let tenant = try await requireTenant(request.tenantID)
        let own = try await storing { try await store.templates(tenantID: tenant.id) }
        let destinations = try await storing { try await store.teamDestinations(tenantID: tenant.id) }
        // Custom channels the tenant uses, for the one kind Herald sends on them.
        let custom = Set((own.map(\.channel) + destinations.map(\.channel)).filter(ChannelName.isCustom)).sorted()
        let pairs = MessageTemplate.kinds.flatMap { kind in MessageTemplate.channels.map { (kind, $0) } }
            + custom.map { (NotificationKind.hostNotification, $0) }
        return .with {
            $0.templates = pairs.map { kind, channel in
                if let template = own.first(where: { $0.kind == kind && $0.channel == channel }) {
                    return template.proto
                }
                return Self.defaultTemplate(tenantID: tenant.id, kind: kind, channel: channel)
            }
            $0.variables = TemplateVariables.documented.map { variable in
                .with {
                    $0.name = variable.name
                    $0.meaning = variable.meaning
                }
            }
        }
    }

    public func deleteTemplate(_ request: Herald_V1_DeleteTemplateRequest) async throws(AdminError) -> Herald_V1_DeleteTemplateResponse {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let (kind, channel) = Self.templateKey(kind: request.kind, channel: request.channel, &validator)
        try validator.finish()
        guard let kind, let channel else { throw .invalidArgument(validator.violations) }
        guard try await storing({ try await store.deleteTemplate(tenantID: tenant.id, kind: kind, channel: channel) }) else {
            throw .notFound(field: "kind", "tenant \"\(tenant.id)\" has no own \(kind.rawValue) template for \(channel)")
        }
        logger.info("template removed", metadata: ["tenant": "\(tenant.id)", "kind": "\(kind.rawValue)", "channel": "\(channel)"])
        return .init()
    }

    public func previewTemplate(_ request: Herald_V1_PreviewTemplateRequest) async throws(AdminError) -> Herald_V1_PreviewTemplateResponse {
        let tenant = try await requireTenant(request.tenantID)
        var validator = FieldValidator()
        let (kind, channel) = Self.templateKey(kind: request.kind, channel: request.channel, &validator)
        try validator.finish()
        guard let kind, let channel else { throw .invalidArgument(validator.violations) }
        let settings = try await currentSettings(tenantID: tenant.id)

        let booking: Booking
        if request.bookingID.isEmpty {
            booking = Self.sampleBooking(tenantID: tenant.id, settings: settings, now: clock.now())
        } else {
            booking = try await requireBooking(request.bookingID, field: "booking_id")
            guard booking.tenantID == tenant.id else {
                throw .notFound(field: "booking_id", "no booking \"\(request.bookingID)\" for tenant \"\(tenant.id)\"")
            }
        }
        let eventType: EventType? = if let id = booking.eventTypeID {
            try await storing { try await store.eventType(tenantID: tenant.id, id: id) }
        } else { nil }
        let template: MessageTemplate? = if request.hasDraft {
            try Self.checkedTemplate(
                tenantID: tenant.id, kind: request.kind, channel: request.channel, subject: request.draft.subject,
                body: request.draft.body, htmlBody: request.draft.htmlBody, now: clock.now())
        } else {
            try await storing { try await store.templates(tenantID: tenant.id) }.first { $0.kind == kind && $0.channel == channel }
        }
        let offset = request.reminderOffsetMinutes > 0
            ? Int(request.reminderOffsetMinutes)
            : (kind == .reminder ? (eventType?.reminderOffsets ?? settings.reminderOffsets).first ?? 60 : 0)
        let message = MessageRenderer().render(
            kind: kind, channel: channel, booking: booking, settings: settings, eventType: eventType,
            reminderOffsetMinutes: offset, template: template)
        return .with {
            $0.message = message
            $0.bookingID = request.bookingID
            $0.isDefault = template == nil
        }
    }

    // MARK: Helpers

    /// A tenant's template as SetTemplate would store it, or every reason it cannot be:
    /// the fields' limits, then the renderer's problems (refused now, not when a
    /// customer should have been told something).
    static func checkedTemplate(
        tenantID: String, kind kindName: String, channel channelName: String, subject: String, body: String,
        htmlBody: String, now: Date
    ) throws(AdminError) -> MessageTemplate {
        var validator = FieldValidator()
        let (kind, channel) = Self.templateKey(kind: kindName, channel: channelName, &validator)
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            validator.fail("body", "is required")
        } else if body.count > Self.templateLimits.body {
            validator.fail("body", "is longer than \(Self.templateLimits.body) characters")
        }
        if !subject.isEmpty {
            if let channel, !MessageTemplate.hasSubject(channel) {
                validator.fail("subject", "applies to e-mail and custom-channel templates only")
            }
            if subject.count > Self.templateLimits.subject {
                validator.fail("subject", "is longer than \(Self.templateLimits.subject) characters")
            }
            // A header is one line: the renderer would join the lines anyway, and a
            // subject written with a line break is a mistake or an attempt at a header.
            if subject.unicodeScalars.contains(where: FieldValidator.breaksALine) {
                validator.fail("subject", "must be one line, without control characters")
            }
        }
        if !htmlBody.isEmpty {
            if channel != nil && channel != "email" { validator.fail("html_body", "applies to e-mail templates only") }
            if htmlBody.count > Self.templateLimits.html {
                validator.fail("html_body", "is longer than \(Self.templateLimits.html) characters")
            }
        }
        try validator.finish()
        guard let kind, let channel else { throw .invalidArgument(validator.violations) }
        let template = MessageTemplate(
            tenantID: tenantID, kind: kind, channel: channel, subject: subject.isEmpty ? nil : subject, body: body,
            htmlBody: htmlBody.isEmpty ? nil : htmlBody, updatedAt: now)
        let problems = MessageRenderer.problems(in: template)
        guard problems.isEmpty else {
            throw .invalidArgument(problems.map { AdminError.FieldViolation(field: $0.field, description: $0.message) })
        }
        return template
    }

    static func templateKey(
        kind: String, channel: String, _ validator: inout FieldValidator
    ) -> (NotificationKind?, String?) {
        let kinds = MessageTemplate.kinds.map(\.rawValue)
        let parsedKind = NotificationKind(rawValue: kind).flatMap { $0 == .webhook ? nil : $0 }
        if parsedKind == nil {
            validator.fail("kind", "\"\(kind)\" is not a template kind (one of \(kinds.joined(separator: ", ")))")
        }
        var parsedChannel: String? = channel
        if MessageTemplate.channels.contains(channel) {
            // A built-in channel: every kind.
        } else if ChannelName.isCustom(channel), ChannelName.problem(with: channel) == nil {
            if let parsedKind, parsedKind != .hostNotification {
                validator.fail(
                    "kind",
                    "\(parsedKind.rawValue) is never sent on the custom channel \(channel); its templates are for host_notification")
            }
        } else {
            parsedChannel = nil
            validator.fail(
                "channel",
                "\"\(channel)\" has no templates (one of \(MessageTemplate.channels.joined(separator: ", ")) or a custom "
                    + "channel name such as chat; webhooks carry JSON)")
        }
        return (parsedKind, parsedChannel)
    }

    static func defaultTemplate(tenantID: String, kind: NotificationKind, channel: String) -> Herald_V1_MessageTemplate {
        let text = DefaultTemplates.text(kind: kind, channel: channel)
        return .with {
            $0.tenantID = tenantID
            $0.kind = kind.rawValue
            $0.channel = channel
            $0.subject = text.subject ?? ""
            $0.body = text.body
            $0.isDefault = true
        }
    }

    /// A booking to preview with: tomorrow at 10:00 in the tenant's zone, an hour long.
    static func sampleBooking(tenantID: String, settings: NotificationSettings, now: Date) -> Booking {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: now) ?? now
        let start = calendar.date(bySettingHour: 10, minute: 0, second: 0, of: tomorrow) ?? tomorrow
        return Booking(
            id: "sample", tenantID: tenantID, eventTypeID: nil, customerName: "Alex Sample",
            customerEmail: "alex@example.com", customerPhone: "+15555550100", startAt: start,
            endAt: start.addingTimeInterval(3600), status: .confirmed, scheduleVersion: 1, createdAt: now, updatedAt: now)
    }
}

extension MessageTemplate {
    public var proto: Herald_V1_MessageTemplate {
        .with {
            $0.tenantID = tenantID
            $0.kind = kind.rawValue
            $0.channel = channel
            $0.subject = subject ?? ""
            $0.body = body
            $0.htmlBody = htmlBody ?? ""
            $0.isDefault = false
            $0.updatedAt = Timestamp.format(updatedAt)
        }
    }
}
