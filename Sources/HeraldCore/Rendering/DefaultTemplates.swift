/// Herald's own wording for every kind of notification on every channel, as a
/// small business would write it. A tenant replaces any of them with
/// `herald template set`; the e-mail HTML part is derived from the text unless
/// a template gives its own.
///
/// A custom channel (a plugin's, such as `chat`) gets the e-mail wording as
/// plain text: the subject and the text part, never HTML. Herald knows nothing
/// of how such a channel formats messages, and the e-mail text is the complete
/// one (a host note lists customer, service and time); the plugin sends the
/// parts it has room for.
public enum DefaultTemplates {
    public struct Text: Sendable, Equatable {
        public var subject: String?
        public var body: String
    }

    public static func text(kind: NotificationKind, channel: String) -> Text {
        switch channel {
        case "sms", "whatsapp": Text(subject: nil, body: short(kind))
        default: email(kind)
        }
    }

    private static let signOff = "\n\nSee you soon,\n{{business_name}}"

    /// The confirm and cancel links, when the tenant has them on (empty otherwise).
    private static let links =
        "{{#confirm_url}}\n\nPlease confirm it here: {{confirm_url}}{{/confirm_url}}"
        + "{{#cancel_url}}\n\nCannot make it? Cancel it here: {{cancel_url}}{{/cancel_url}}"
    private static let shortLinks =
        "{{#confirm_url}} Confirm: {{confirm_url}}{{/confirm_url}}{{#cancel_url}} Cancel: {{cancel_url}}{{/cancel_url}}"

    /// Where, when the event type says.
    private static let place = "{{#location}}\n\nWhere: {{location}}{{/location}}"

    /// The short messages' request to confirm, while the customer is asked to.
    private static let shortConfirmRequest =
        "{{#awaiting_confirmation}} Please confirm{{#confirm_reply}}: reply {{confirm_reply}}{{/confirm_reply}}.{{/awaiting_confirmation}}"

    private static func email(_ kind: NotificationKind) -> Text {
        switch kind {
        case .confirmation:
            Text(
                subject: "{{#awaiting_confirmation}}Please confirm your appointment at {{business_name}}{{/awaiting_confirmation}}"
                    + "{{^awaiting_confirmation}}Your appointment at {{business_name}} is confirmed{{/awaiting_confirmation}}",
                body: """
                    Hi {{customer_first_name}},

                    Thank you for booking{{#service}} {{service}}{{/service}} with {{business_name}}. \
                    {{#awaiting_confirmation}}Your appointment is reserved for {{date}} at {{time}} ({{time_zone}}): \
                    please confirm that you will come.{{/awaiting_confirmation}}\
                    {{^awaiting_confirmation}}Your appointment is confirmed for {{date}} at {{time}} ({{time_zone}}).\
                    {{/awaiting_confirmation}}
                    """ + place + """


                    If you need to change or cancel it, please let us know in good time.
                    """ + links + signOff)
        case .reminder:
            Text(
                subject: "{{#awaiting_confirmation}}Please confirm: {{/awaiting_confirmation}}"
                    + "{{^awaiting_confirmation}}Reminder: {{/awaiting_confirmation}}"
                    + "your appointment at {{business_name}} is {{reminder}}",
                body: """
                    Hi {{customer_first_name}},

                    This is a friendly reminder of your{{#service}} {{service}}{{/service}} appointment \
                    with {{business_name}} on {{date}} at {{time}} ({{time_zone}}).
                    """ + place + """
                    {{#awaiting_confirmation}}

                    You have not confirmed it yet: please let us know that you are coming.{{/awaiting_confirmation}}

                    If you can no longer make it, please let us know so we can offer the time to someone else.
                    """ + links + signOff)
        case .reschedule:
            Text(
                subject: "Your appointment at {{business_name}} has moved",
                body: """
                    Hi {{customer_first_name}},

                    Your{{#service}} {{service}}{{/service}} appointment with {{business_name}} \
                    has moved. It is now on {{date}} at {{time}} ({{time_zone}}).
                    """ + links + signOff)
        case .cancellation:
            Text(
                subject: "Your appointment at {{business_name}} is cancelled",
                body: """
                    Hi {{customer_first_name}},

                    Your{{#service}} {{service}}{{/service}} appointment with {{business_name}} \
                    on {{date}} at {{time}} ({{time_zone}}) has been cancelled.

                    We hope to see you another time.

                    Best wishes,
                    {{business_name}}
                    """)
        case .followUp:
            Text(
                subject: "Thank you for visiting {{business_name}}",
                body: """
                    Hi {{customer_first_name}},

                    Thank you for your visit to {{business_name}}{{#service}} for {{service}}{{/service}}. \
                    We hope you enjoyed it and look forward to seeing you again.

                    Best wishes,
                    {{business_name}}{{#unsubscribe_url}}

                    No more follow-up e-mails from us: {{unsubscribe_url}}{{/unsubscribe_url}}
                    """)
        case .hostNotification, .webhook:
            Text(
                subject: "Booking {{status}}: {{customer_name}}, {{date_short}} at {{time}}",
                body: """
                    Booking {{booking_id}} is {{status}}.

                    Customer: {{customer_name}}
                    {{#customer_email}}E-mail: {{customer_email}}
                    {{/customer_email}}{{#customer_phone}}Phone: {{customer_phone}}
                    {{/customer_phone}}{{#service}}Service: {{service}}
                    {{/service}}When: {{date}} at {{time}} ({{time_zone}}), {{duration_minutes}} minutes
                    """)
        }
    }

    /// SMS and WhatsApp: one short message, business name first so the
    /// customer knows who is writing.
    private static func short(_ kind: NotificationKind) -> String {
        switch kind {
        case .confirmation:
            "{{business_name}}: Hi {{customer_first_name}}, your{{#service}} {{service}}{{/service}} appointment "
                + "{{#awaiting_confirmation}}is reserved{{/awaiting_confirmation}}{{^awaiting_confirmation}}is confirmed{{/awaiting_confirmation}}"
                + " for {{date_short}} at {{time}}." + shortConfirmRequest + shortLinks
        case .reminder:
            "{{business_name}}: Hi {{customer_first_name}}, a reminder of your{{#service}} {{service}}{{/service}} appointment {{reminder}}, {{date_short}} at {{time}}."
                + shortConfirmRequest + shortLinks
        case .reschedule:
            "{{business_name}}: Hi {{customer_first_name}}, your appointment has moved to {{date_short}} at {{time}}." + shortLinks
        case .cancellation:
            "{{business_name}}: Hi {{customer_first_name}}, your appointment on {{date_short}} at {{time}} has been cancelled."
        case .followUp:
            "{{business_name}}: Thank you for your visit, {{customer_first_name}}. We hope to see you again soon."
        case .hostNotification, .webhook:
            "Booking {{status}}: {{customer_name}}, {{date_short}} at {{time}}{{#service}}, {{service}}{{/service}}."
        }
    }
}
