import Foundation
import HeraldProto
import Testing

@testable import HeraldCore

@Suite("message rendering")
struct MessageRendererTests {
    typealias F = PlanningFixtures
    let renderer = MessageRenderer()

    func settings(zone: String = "Europe/Berlin", locale: String = "en_GB", sender: String = "Studio Nord") -> NotificationSettings {
        var settings = F.settings(timeZone: zone)
        settings.locale = locale
        settings.senderName = sender
        return settings
    }

    func render(
        _ kind: NotificationKind, _ channel: String, booking: Booking? = nil, settings: NotificationSettings? = nil,
        eventType: EventType? = nil, offset: Int = 0, template: MessageTemplate? = nil
    ) -> Herald_V1_RenderedMessage {
        renderer.render(
            kind: kind, channel: channel, booking: booking ?? F.booking(start: F.at("2025-08-17T13:30:00Z")),
            settings: settings ?? self.settings(), eventType: eventType, reminderOffsetMinutes: offset, template: template)
    }

    func template(_ kind: NotificationKind, _ channel: String, subject: String? = nil, body: String, html: String? = nil)
        -> MessageTemplate
    {
        MessageTemplate(
            tenantID: F.tenantID, kind: kind, channel: channel, subject: subject, body: body, htmlBody: html,
            updatedAt: F.at("2025-01-01T00:00:00Z"))
    }

    @Test func everyDefaultTemplateIsValidAndRendersWithoutLeftoverTags() {
        for kind in MessageTemplate.kinds {
            for channel in MessageTemplate.channels {
                let text = DefaultTemplates.text(kind: kind, channel: channel)
                let problems = MessageRenderer.problems(in: template(kind, channel, subject: text.subject, body: text.body))
                #expect(problems.isEmpty, "\(kind) \(channel): \(problems)")
                let message = render(kind, channel, eventType: F.eventType(), offset: kind == .reminder ? 60 : 0)
                #expect(!message.textBody.isEmpty)
                #expect(!message.textBody.contains("{{") && !message.subject.contains("{{"), "\(kind) \(channel)")
                #expect(message.subject.isEmpty == (channel != "email"), "\(kind) \(channel)")
            }
        }
    }

    /// A plugin's channel gets the e-mail wording as plain text: the subject and the
    /// text part, never HTML, and none of WhatsApp's template fields.
    @Test func aCustomChannelGetsTheEmailWordingAsPlainText() {
        var booking = F.booking(start: F.at("2025-08-17T13:30:00Z"))
        booking.customerName = "Smith & <Sons>"
        let chat = render(.hostNotification, "chat", booking: booking, eventType: F.eventType())
        let email = render(.hostNotification, "email", booking: booking, eventType: F.eventType())

        #expect(chat.subject == "Booking confirmed: Smith & <Sons>, Sun 17 Aug at 15:30")
        #expect(chat.subject == email.subject)
        #expect(chat.textBody == email.textBody)
        #expect(chat.textBody.contains("Customer: Smith & <Sons>"), "not HTML-escaped: \(chat.textBody)")
        #expect(chat.textBody.contains("Service: Haircut"))
        #expect(chat.htmlBody.isEmpty)
        #expect(chat.templateName.isEmpty && chat.templateParameters.isEmpty)
        #expect(DefaultTemplates.text(kind: .hostNotification, channel: "ops-pager") == DefaultTemplates.text(kind: .hostNotification, channel: "email"))

        // A tenant's own template for the channel wins, subject included.
        let own = render(
            .hostNotification, "chat", booking: booking,
            template: template(.hostNotification, "chat", subject: "New booking", body: "{{customer_name}} at {{time}}"))
        #expect(own.subject == "New booking")
        #expect(own.textBody == "Smith & <Sons> at 15:30")
        #expect(own.htmlBody.isEmpty)
    }

    @Test func reminderEmailSaysWhoWhenAndHowFarAheadInTheTenantsZone() {
        // 13:30 UTC is 15:30 in Berlin in August (CEST, UTC+2).
        let message = render(.reminder, "email", offset: 1440)
        #expect(message.subject == "Reminder: your appointment at Studio Nord is tomorrow")
        #expect(message.textBody.hasPrefix("Hi Ann,"))
        #expect(message.textBody.contains("Sunday, 17 August 2025 at 15:30"))
        #expect(message.senderName == "Studio Nord")
        #expect(message.htmlBody.contains("<p>Hi Ann,</p>"))
    }

    @Test func timesFollowDaylightSavingChanges() {
        // Berlin switches to summer time on 30 March 2025 at 02:00 local.
        let before = render(.confirmation, "sms", booking: F.booking(start: F.at("2025-03-29T09:00:00Z")))
        let after = render(.confirmation, "sms", booking: F.booking(start: F.at("2025-03-30T09:00:00Z")))
        #expect(before.textBody.contains("at 10:00"), "\(before.textBody)")
        #expect(after.textBody.contains("at 11:00"), "\(after.textBody)")
        // And back on 26 October 2025 at 03:00 local.
        let autumn = render(.confirmation, "sms", booking: F.booking(start: F.at("2025-10-26T09:00:00Z")))
        #expect(autumn.textBody.contains("at 10:00"), "\(autumn.textBody)")
    }

    @Test func datesAreWrittenInTheTenantsLocale() {
        let german = render(.confirmation, "email", settings: settings(locale: "de_DE"))
        #expect(german.textBody.contains("Sonntag, 17. August 2025"), "\(german.textBody)")
        let american = render(.confirmation, "sms", settings: settings(zone: "America/New_York", locale: "en_US"))
        // 13:30 UTC is 9:30 AM in New York (EDT).
        #expect(american.textBody.contains("9:30"), "\(american.textBody)")
        #expect(american.textBody.contains("9:30 AM"), "plain space before AM: \(american.textBody.unicodeScalars.map { $0.value })")
        // ICU's narrow no-break space would make the SMS unicode (70 characters a part).
        #expect(!american.textBody.unicodeScalars.contains { $0.value == 0x202F || $0.value == 0xA0 })
    }

    @Test func aTenantTemplateReplacesTheDefault() {
        let own = template(.reminder, "sms", body: "{{business_name}}: see you {{reminder}}, {{customer_first_name}}!{{#service}} ({{service}}){{/service}}")
        let message = render(.reminder, "sms", eventType: F.eventType(), offset: 60, template: own)
        #expect(message.textBody == "Studio Nord: see you in 1 hour, Ann! (Haircut)")
    }

    @Test func anEmailTemplateWithoutSubjectKeepsTheDefaultSubjectAndDerivesHTML() {
        let own = template(.confirmation, "email", body: "Dear {{customer_name}},\n\nwelcome & thanks.")
        let message = render(.confirmation, "email", template: own)
        #expect(message.subject == "Your appointment at Studio Nord is confirmed")
        #expect(message.textBody == "Dear Ann,\n\nwelcome & thanks.")
        #expect(message.htmlBody.contains("<p>welcome &amp; thanks.</p>"))
    }

    @Test func customerFieldsAreDataNeverTemplateSource() {
        var booking = F.booking(start: F.at("2025-08-17T13:30:00Z"))
        booking.customerName = "<b>Bo</b> {{business_name}} & Co"
        // Inserted literally in text: not expanded, not escaped...
        let own = template(.confirmation, "email", body: "Hi {{customer_name}}", html: "<i>Hi {{customer_name}}</i>")
        let message = render(.confirmation, "email", booking: booking, template: own)
        #expect(message.textBody == "Hi <b>Bo</b> {{business_name}} & Co")
        // ...and escaped in HTML, an own HTML template too.
        #expect(message.htmlBody == "<i>Hi &lt;b&gt;Bo&lt;/b&gt; {{business_name}} &amp; Co</i>")
        let derived = render(.confirmation, "email", booking: booking).htmlBody
        #expect(derived.contains("<p>Hi &lt;b&gt;Bo&lt;/b&gt;,</p>"), "\(derived)")
    }

    @Test func aSubjectStaysOneLineWhateverItInserts() {
        var settings = settings()
        settings.senderName = "Studio\nBcc: evil@example.com"
        let message = render(.confirmation, "email", settings: settings)
        #expect(!message.subject.contains("\n") && !message.subject.contains("\r"))
    }

    @Test func whatsappCarriesTemplateNameLanguageAndParameters() {
        let message = render(.reminder, "whatsapp", settings: settings(locale: "en_GB"), offset: 60)
        #expect(message.templateName == "herald_reminder")
        #expect(message.templateLanguage == "en_GB")
        #expect(message.templateParameters == ["Ann", "Studio Nord", "Sunday, 17 August 2025", "15:30"])
    }

    @Test func templatesThatDoNotParseAreRefusedWithWhere() {
        let problems = MessageRenderer.problems(in: template(.reminder, "sms", body: "Hi {{#service}}{{service}}"))
        #expect(problems.count == 1)
        #expect(problems.first?.field == "body")
        #expect(problems.first?.message.contains("does not parse") == true)
    }

    @Test func unknownVariablesAndPartialsAreRefused() {
        let problems = MessageRenderer.problems(in: template(
            .reminder, "email", subject: "Hi {{custmer_name}}", body: "{{> footer}} {{{customer_name}}} {{& time}}"))
        #expect(problems.map(\.field) == ["subject", "body"])
        #expect(problems[0].message.contains("{{custmer_name}}"))
        #expect(problems[1].message.contains("partials"))
    }

    @Test func relativeReminderWording() {
        #expect(TemplateVariables.relative(minutes: 30) == "in 30 minutes")
        #expect(TemplateVariables.relative(minutes: 60) == "in 1 hour")
        #expect(TemplateVariables.relative(minutes: 120) == "in 2 hours")
        #expect(TemplateVariables.relative(minutes: 90) == "in 1 h 30 min")
        #expect(TemplateVariables.relative(minutes: 1440) == "tomorrow")
        #expect(TemplateVariables.relative(minutes: 2880) == "in 2 days")
    }

    @Test func aChangedTemplateIsUsedAtOnce() {
        var own = template(.reminder, "sms", body: "first")
        #expect(render(.reminder, "sms", template: own).textBody == "first")
        own.body = "second"
        own.updatedAt = own.updatedAt.addingTimeInterval(1)
        #expect(render(.reminder, "sms", template: own).textBody == "second")
    }
}
