import Foundation
import HeraldBus
import HeraldProto
import HeraldViews
import Hummingbird

extension Console {
    func addSettingsPages(to pages: RouterGroup<GatewayContext>) {
        pages.get("settings") { request, context in try await settings(request, context, problem: nil) }
        pages.post("settings") { request, context in try await saveSettings(request, context) }
        pages.get("templates") { request, context in try await templates(request, context) }
        pages.get("templates/{kind}/{channel}") { request, context in try await template(request, context) }
        pages.post("templates/{kind}/{channel}") { request, context in try await editTemplate(request, context) }
    }

    // MARK: Settings

    func settings(_ request: Request, _ context: GatewayContext, problem: Problem?) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let page = SettingsPage(tenant.settings, tenant: tenant, problem: problem)
        return try self.page(
            "settings", request, context, title: "Settings", tenant: tenant, page,
            status: problem?.status ?? .ok)
    }

    /// The form's fields become one UpdateSettings; the core's refusal is shown on
    /// the form, field by field, and nothing is saved.
    func saveSettings(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let form = context.form
        var update = Herald_V1_UpdateSettingsRequest.with { $0.tenantID = tenant.id }
        // Absent fields stay as they are; the zone and locale cannot be emptied.
        if let name = form["sender_name"] { update.senderName = name }
        if let replyTo = form["reply_to_email"] { update.replyToEmail = replyTo }
        if let zone = form["timezone"], !zone.isEmpty { update.timezone = zone }
        if let locale = form["locale"], !locale.isEmpty { update.locale = locale }
        update.emailEnabled = form["email_enabled"] == "on"
        update.smsEnabled = form["sms_enabled"] == "on"
        update.whatsappEnabled = form["whatsapp_enabled"] == "on"
        update.followUpEnabled = form["follow_up_enabled"] == "on"
        do {
            let offsets = try Self.minutes(form["reminder_minutes"] ?? "", field: "reminder_minutes")
            update.reminderOffsets = .with { $0.minutes = offsets }
            if let text = form["follow_up_minutes"], !text.isEmpty {
                guard let minutes = UInt32(text.trimmingCharacters(in: .whitespaces)) else {
                    throw Problem.invalid(field: "follow_up_minutes", "a whole number of minutes")
                }
                update.followUpMinutes = minutes
            }
            _ = try await core.admin.updateSettings(update)
        } catch let error as RPCError where error.code == .invalidArgument || error.code == .failedPrecondition {
            return try await settings(request, context, problem: Problem(error))
        } catch let problem as Problem {
            return try await settings(request, context, problem: problem)
        }
        return Self.seeOther("/console/settings?" + [tenant.query, "done=settings"].filter { !$0.isEmpty }.joined(separator: "&"))
    }

    /// "1440, 60" as minutes; empty is no reminders.
    static func minutes(_ text: String, field: String) throws(Problem) -> [UInt32] {
        var minutes: [UInt32] = []
        for part in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let value = UInt32(part) else { throw Problem.invalid(field: field, "minutes before the start, separated by commas, e.g. 1440, 60") }
            minutes.append(value)
        }
        return minutes
    }

    // MARK: Templates

    func templates(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let answer = try await core.admin.listTemplates(Herald_V1_ListTemplatesRequest.with { $0.tenantID = tenant.id })
        let page = TemplatesPage(
            tenant_id: tenant.id,
            templates: answer.templates.map { template in
                TemplatesPage.Row(
                    kind: template.kind, channel: template.channel, is_default: template.isDefault,
                    updated: tenant.time.show(template.updatedAt),
                    href: Console.linked(Console.templatePath(kind: template.kind, channel: template.channel), query: tenant.query),
                    label: LogRowView.describe(kind: template.kind, offset: 0))
            })
        return try self.page("templates", request, context, title: "Templates", tenant: tenant, page)
    }

    /// One template: its text in a form, and the message it renders now.
    func template(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let (kind, channel) = (context.path("kind") ?? "", context.path("channel") ?? "")
        let all = try await core.admin.listTemplates(Herald_V1_ListTemplatesRequest.with { $0.tenantID = tenant.id })
        guard let template = all.templates.first(where: { $0.kind == kind && $0.channel == channel }) else {
            throw Problem.notFound("no \(kind) template for \(channel)", field: "kind")
        }
        let preview = try await core.admin.previewTemplate(Herald_V1_PreviewTemplateRequest.with {
            $0.tenantID = tenant.id
            $0.kind = kind
            $0.channel = channel
        })
        let page = TemplatePage(
            tenant: tenant, kind: kind, channel: channel, subject: template.subject, body: template.body,
            html_body: template.htmlBody, is_default: template.isDefault, preview: preview.message, problem: nil,
            variables: all.variables)
        return try self.page("template", request, context, title: "Template: \(page.label)", tenant: tenant, page)
    }

    /// Preview renders the draft as it stands, saving nothing; Save stores it; Reset
    /// goes back to Herald's default. A refused draft stays on the form with the reasons.
    func editTemplate(_ request: Request, _ context: GatewayContext) async throws -> Response {
        guard let tenant = try await tenant(request, context) else { throw Self.noTenants }
        let (kind, channel) = (context.path("kind") ?? "", context.path("channel") ?? "")
        let form = context.form
        let (subject, body, html) = (form["subject"] ?? "", form["body"] ?? "", form["html_body"] ?? "")
        let here = Self.templatePath(kind: kind, channel: channel)
        let back = { (done: String) in here + "?" + [tenant.query, "done=\(done)"].filter { !$0.isEmpty }.joined(separator: "&") }
        do {
            switch form["intent"] {
            case "save":
                _ = try await core.admin.setTemplate(Herald_V1_SetTemplateRequest.with {
                    $0.tenantID = tenant.id
                    $0.kind = kind
                    $0.channel = channel
                    $0.subject = subject
                    $0.body = body
                    $0.htmlBody = html
                })
                return Self.seeOther(back("template"))
            case "reset":
                _ = try await core.admin.deleteTemplate(Herald_V1_DeleteTemplateRequest.with {
                    $0.tenantID = tenant.id
                    $0.kind = kind
                    $0.channel = channel
                })
                return Self.seeOther(back("template_reset"))
            default:
                let preview = try await core.admin.previewTemplate(Herald_V1_PreviewTemplateRequest.with {
                    $0.tenantID = tenant.id
                    $0.kind = kind
                    $0.channel = channel
                    $0.draft = .with {
                        $0.subject = subject
                        $0.body = body
                        $0.htmlBody = html
                    }
                })
                let variables = try await core.admin.listTemplates(Herald_V1_ListTemplatesRequest.with { $0.tenantID = tenant.id }).variables
                let page = TemplatePage(
                    tenant: tenant, kind: kind, channel: channel, subject: subject, body: body, html_body: html,
                    is_default: false, preview: preview.message, problem: nil, variables: variables)
                return try self.page("template", request, context, title: "Template: \(page.label)", tenant: tenant, page)
            }
        } catch let error as RPCError where error.code == .invalidArgument || error.code == .notFound {
            let variables = try await core.admin.listTemplates(Herald_V1_ListTemplatesRequest.with { $0.tenantID = tenant.id }).variables
            let page = TemplatePage(
                tenant: tenant, kind: kind, channel: channel, subject: subject, body: body, html_body: html,
                is_default: false, preview: nil, problem: Problem(error), variables: variables)
            return try self.page("template", request, context, title: "Template: \(page.label)", tenant: tenant, page,
                                 status: Problem(error).status)
        }
    }
}

struct SettingsPage: Encodable, Sendable {
    /// The form's values.
    var settings: SettingsSummary
    /// The API's settings resource: the page's JSON.
    var resource: SettingsView
    var reminder_minutes: String
    var form_action: String
    var has_problem: Bool
    var problem: String
    var problem_fields: [String]

    func encode(to encoder: any Encoder) throws { try resource.encode(to: encoder) }

    init(_ settings: Herald_V1_NotificationSettings, tenant: ConsoleTenant, problem: Problem?) {
        self.settings = SettingsSummary(settings)
        resource = SettingsView(settings)
        reminder_minutes = settings.reminderOffsetsMinutes.map(String.init).joined(separator: ", ")
        form_action = "/console/settings" + (tenant.query.isEmpty ? "" : "?" + tenant.query)
        has_problem = problem != nil
        self.problem = problem?.detail ?? ""
        problem_fields = problem?.errors.map { "\($0.field): \($0.detail)" } ?? []
    }
}

/// The settings the console's form edits (the API's settings resource has them all).
struct SettingsSummary: Sendable {
    var tenant_id: String
    var sender_name: String
    var reply_to_email: String
    var timezone: String
    var locale: String
    var email_enabled: Bool
    var sms_enabled: Bool
    var whatsapp_enabled: Bool
    var reminder_minutes_before: [UInt32]
    var follow_up_enabled: Bool
    var follow_up_minutes: UInt32
    var sms_provider: String
    var updated_at: String

    init(_ settings: Herald_V1_NotificationSettings) {
        tenant_id = settings.tenantID
        sender_name = settings.senderName
        reply_to_email = settings.replyToEmail
        timezone = settings.timezone
        locale = settings.locale
        email_enabled = settings.emailEnabled
        sms_enabled = settings.smsEnabled
        whatsapp_enabled = settings.whatsappEnabled
        reminder_minutes_before = settings.reminderOffsetsMinutes
        follow_up_enabled = settings.followUpEnabled
        follow_up_minutes = settings.followUpMinutes
        sms_provider = settings.smsProvider.word
        updated_at = settings.updatedAt
    }
}

struct TemplatesPage: Encodable, Sendable {
    struct Row: Encodable, Sendable {
        var kind: String
        var channel: String
        var is_default: Bool
        var updated: String
        var href: String
        var label: String
    }

    var tenant_id: String
    var templates: [Row]
}

/// One template's form and the message it renders (the stored one, or the draft).
struct TemplatePage: Encodable, Sendable {
    struct Variable: Encodable, Sendable {
        var name: String
        var meaning: String
    }

    var kind: String
    var channel: String
    var label: String
    var subject: String
    var body: String
    var html_body: String
    var is_default: Bool
    var has_subject: Bool
    var is_email: Bool
    var form_action: String
    var has_preview: Bool
    var preview_subject: String
    var preview_text: String
    var preview_html: String
    var has_preview_html: Bool
    var has_problem: Bool
    var problem: String
    var problem_fields: [String]
    var variables: [Variable]

    enum CodingKeys: String, CodingKey {
        case kind, channel, subject, body, html_body, is_default, preview_subject, preview_text, preview_html
    }

    init(
        tenant: ConsoleTenant, kind: String, channel: String, subject: String, body: String, html_body: String,
        is_default: Bool, preview: Herald_V1_RenderedMessage?, problem: Problem?, variables: [Herald_V1_TemplateVariable]
    ) {
        self.kind = kind
        self.channel = channel
        label = "\(LogRowView.describe(kind: kind, offset: 0)) by \(channel)"
        self.subject = subject
        self.body = body
        self.html_body = html_body
        self.is_default = is_default
        is_email = channel == "email"
        has_subject = channel != "sms" && channel != "whatsapp"
        form_action = Console.linked(Console.templatePath(kind: kind, channel: channel), query: tenant.query)
        has_preview = preview != nil
        preview_subject = preview?.subject ?? ""
        preview_text = preview.map { $0.textBody.isEmpty ? $0.templateParameters.joined(separator: " · ") : $0.textBody } ?? ""
        preview_html = preview?.htmlBody ?? ""
        has_preview_html = !(preview?.htmlBody ?? "").isEmpty
        has_problem = problem != nil
        self.problem = problem?.detail ?? ""
        problem_fields = problem?.errors.map { "\($0.field): \($0.detail)" } ?? []
        self.variables = variables.map { Variable(name: $0.name, meaning: $0.meaning) }
    }
}
