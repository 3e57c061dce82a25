import ArgumentParser
import Foundation
import HeraldProto

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Word a tenant's messages: set, list, preview or reset templates.",
        discussion: """
            Templates are Mustache ({{customer_first_name}}, {{#service}}...{{/service}}), one per \
            kind and channel. Kinds: confirmation, reminder, reschedule, cancellation, \
            host_notification, follow_up. Channels: email (subject, text and optional HTML), sms, \
            whatsapp, and custom channels such as chat (host_notification only: subject and text; \
            by default the e-mail wording). Dates and times are rendered in the tenant's time zone and locale. \
            `herald template list TENANT` shows every variable. Customer-supplied values are \
            inserted as text, never read as template source.
            """,
        subcommands: [Set.self, List.self, Preview.self, Reset.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the tenant's template for one kind and channel (checked now, not when sent).")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The kind: confirmation, reminder, reschedule, cancellation, host_notification or follow_up.")
        var kind: String
        @Argument(help: "The channel: email, sms, whatsapp or a custom channel (e.g. chat).") var channel: String
        @Option(help: "E-mail and custom channels: the subject line (default: Herald's subject).") var subject: String?
        @Option(help: "The plain-text body; use @FILE to read it from a file.") var body: String
        @Option(help: "E-mail only: the HTML part (default: made from the body); @FILE reads a file.") var html: String?
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var request = Herald_V1_SetTemplateRequest()
            request.tenantID = tenant
            request.kind = kind
            request.channel = channel
            request.subject = subject ?? ""
            request.body = try readArgument(body, option: "--body")
            request.htmlBody = try html.map { try readArgument($0, option: "--html") } ?? ""
            let template = try await CoreConnection.with(core) { [request] in
                try await $0.admin.setTemplate(request)
            }
            if output.json {
                try printJSON(TemplateView(template))
            } else {
                print("set the \(template.kind) template for \(template.channel) of \(template.tenantID)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every kind and channel with the tenant's template or Herald's default, and the variables.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Flag(help: "Print each template's full text.") var full = false
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.listTemplates(Herald_V1_ListTemplatesRequest.with { $0.tenantID = tenant })
            }
            if output.json {
                try printJSON(TemplateListView(answer))
                return
            }
            if full {
                for template in answer.templates {
                    print("== \(template.kind) / \(template.channel) (\(template.isDefault ? "default" : "tenant's own"))")
                    if !template.subject.isEmpty { print("Subject: \(template.subject)") }
                    print(template.body)
                    if !template.htmlBody.isEmpty { print("-- html\n\(template.htmlBody)") }
                    print("")
                }
            } else {
                var table = Table("kind", "channel", "source", "updated", "starts with")
                for template in answer.templates {
                    let first = (template.subject.isEmpty ? template.body : template.subject)
                        .split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
                    table.append([
                        template.kind, template.channel, template.isDefault ? "default" : "tenant",
                        template.updatedAt.isEmpty ? "-" : template.updatedAt,
                        first.count > 48 ? String(first.prefix(47)) + "…" : first,
                    ])
                }
                print(table.render())
            }
            print("\nVariables:")
            var variables = Table("name", "meaning")
            for variable in answer.variables { variables.append(["{{\(variable.name)}}", variable.meaning]) }
            print(variables.render())
        }
    }

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a template for a booking (or a sample booking tomorrow at 10:00) without sending it.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The kind.") var kind: String
        @Argument(help: "The channel: email, sms, whatsapp or a custom channel (e.g. chat).") var channel: String
        @Option(help: "Render for this booking of the tenant.") var booking: String?
        @Option(help: ArgumentHelp("For reminders: minutes before the start (default: the first offset).", valueName: "minutes"))
        var offset: UInt32?
        @Flag(help: "Also print the e-mail's HTML part.") var html = false
        @OptionGroup var core: CoreOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = Herald_V1_PreviewTemplateRequest.with {
                $0.tenantID = tenant
                $0.kind = kind
                $0.channel = channel
                $0.bookingID = booking ?? ""
                $0.reminderOffsetMinutes = offset ?? 0
            }
            let answer = try await CoreConnection.with(core) {
                try await $0.admin.previewTemplate(request)
            }
            let message = answer.message
            if output.json {
                try printJSON(RenderedView(answer))
                return
            }
            if !message.subject.isEmpty { print("Subject: \(message.subject)\n") }
            print(message.textBody)
            if html && !message.htmlBody.isEmpty { print("\n-- html\n\(message.htmlBody)") }
            if !message.templateName.isEmpty {
                print("\nWhatsApp template \(message.templateName) (\(message.templateLanguage)), parameters: "
                    + message.templateParameters.map { "\"\($0)\"" }.joined(separator: ", "))
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the tenant's template for one kind and channel: Herald's default applies again.")

        @Argument(help: "The tenant's id.") var tenant: String
        @Argument(help: "The kind.") var kind: String
        @Argument(help: "The channel.") var channel: String
        @OptionGroup var core: CoreOptions

        func run() async throws {
            _ = try await CoreConnection.with(core) {
                try await $0.admin.deleteTemplate(
                    Herald_V1_DeleteTemplateRequest.with {
                        $0.tenantID = tenant
                        $0.kind = kind
                        $0.channel = channel
                    })
            }
            print("the \(kind) template for \(channel) of \(tenant) is Herald's default again")
        }
    }
}

/// `--body @welcome.txt` reads the file; anything else is the text itself.
private func readArgument(_ value: String, option: String) throws -> String {
    guard value.hasPrefix("@") else { return value }
    let path = String(value.dropFirst())
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("\(option): cannot read the UTF-8 file \(path)")
    }
    return text
}

struct TemplateView: Encodable {
    var tenant_id: String
    var kind: String
    var channel: String
    var subject: String
    var body: String
    var html_body: String
    var is_default: Bool
    var updated_at: String

    init(_ template: Herald_V1_MessageTemplate) {
        tenant_id = template.tenantID
        kind = template.kind
        channel = template.channel
        subject = template.subject
        body = template.body
        html_body = template.htmlBody
        is_default = template.isDefault
        updated_at = template.updatedAt
    }
}

struct TemplateListView: Encodable {
    var templates: [TemplateView]
    var variables: [String: String]

    init(_ answer: Herald_V1_ListTemplatesResponse) {
        templates = answer.templates.map(TemplateView.init)
        variables = Dictionary(answer.variables.map { ($0.name, $0.meaning) }, uniquingKeysWith: { first, _ in first })
    }
}

struct RenderedView: Encodable {
    var booking_id: String
    var is_default: Bool
    var subject: String
    var text_body: String
    var html_body: String
    var template_name: String
    var template_language: String
    var template_parameters: [String]

    init(_ answer: Herald_V1_PreviewTemplateResponse) {
        booking_id = answer.bookingID
        is_default = answer.isDefault
        subject = answer.message.subject
        text_body = answer.message.textBody
        html_body = answer.message.htmlBody
        template_name = answer.message.templateName
        template_language = answer.message.templateLanguage
        template_parameters = answer.message.templateParameters
    }
}
