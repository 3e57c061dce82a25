import Foundation

/// What the outbox writes for one delivery: the message as the provider would
/// have received it, readable by a person and by `jq`.
///
/// A webhook's signing secret is left out, as from every other file and log.
struct OutboxRecord: Encodable, Equatable {
    struct Recipient: Encodable, Equatable {
        var name: String?
        var email: String?
        var phone: String?
        /// Set when it says more than the e-mail or phone: a custom channel's recipient.
        var address: String?
    }

    struct Message: Encodable, Equatable {
        var subject: String?
        var text: String?
        var html: String?
        var senderName: String?
        var replyTo: String?
        /// A follow-up e-mail's one-click unsubscribe link (List-Unsubscribe).
        var listUnsubscribeURL: String?
        /// An e-mail's calendar invite: its iTIP method and VCALENDAR text.
        var calendarMethod: String?
        var calendarIcs: String?
        var templateName: String?
        var templateLanguage: String?
        var templateParameters: [String]?
    }

    struct Webhook: Encodable, Equatable {
        var url: String
        var subscriptionID: String?
        var eventType: String?
        /// The JSON body as text (the core builds it as UTF-8 JSON).
        var body: String
    }

    var deliveryID: String
    var attempt: UInt32
    var channel: String
    var kind: String
    var tenantID: String?
    var bookingID: String?
    var recipient: Recipient
    var message: Message?
    var webhook: Webhook?
    var notAfter: Date?
    var reminderOffsetMinutes: UInt32?
    /// The provider account the delivery names; nil for the default one.
    var account: String?
    var scheduleVersion: UInt32
    var writtenAt: Date

    init(_ delivery: Herald_V1_Delivery, channel: String, writtenAt: Date) {
        deliveryID = delivery.deliveryID
        attempt = delivery.attempt
        self.channel = channel
        kind = Self.name(of: delivery.kind)
        tenantID = delivery.tenantID.nonEmpty
        bookingID = delivery.bookingID.nonEmpty
        recipient = Recipient(
            name: delivery.recipient.name.nonEmpty,
            email: delivery.recipient.email.nonEmpty,
            phone: delivery.recipient.phone.nonEmpty,
            address: [delivery.recipient.email, delivery.recipient.phone].contains(delivery.recipient.address)
                ? nil : delivery.recipient.address.nonEmpty)
        switch delivery.content {
        case .message(let m):
            message = Message(
                subject: m.subject.nonEmpty, text: m.textBody.nonEmpty, html: m.htmlBody.nonEmpty,
                senderName: m.senderName.nonEmpty, replyTo: m.replyTo.nonEmpty,
                listUnsubscribeURL: m.listUnsubscribeURL.nonEmpty,
                calendarMethod: m.hasCalendar ? m.calendar.method.nonEmpty : nil,
                calendarIcs: m.hasCalendar ? m.calendar.ics.nonEmpty : nil,
                templateName: m.templateName.nonEmpty, templateLanguage: m.templateLanguage.nonEmpty,
                templateParameters: m.templateParameters.isEmpty ? nil : m.templateParameters)
        case .webhook(let w):
            webhook = Webhook(
                url: w.url, subscriptionID: w.subscriptionID.nonEmpty, eventType: w.eventType.nonEmpty,
                body: String(decoding: w.body, as: UTF8.self))
        case .none:
            break
        }
        notAfter = delivery.notAfterMs > 0 ? Date(timeIntervalSince1970: Double(delivery.notAfterMs) / 1000) : nil
        reminderOffsetMinutes = delivery.kind == .reminder ? delivery.reminderOffsetMinutes : nil
        account = delivery.account.nonEmpty
        scheduleVersion = delivery.scheduleVersion
        self.writtenAt = writtenAt
    }

    static func name(of kind: Herald_V1_NotificationKind) -> String {
        switch kind {
        case .unspecified: "unspecified"
        case .confirmation: "confirmation"
        case .reminder: "reminder"
        case .reschedule: "reschedule"
        case .cancellation: "cancellation"
        case .hostNotification: "host_notification"
        case .followUp: "follow_up"
        case .webhook: "webhook"
        case .UNRECOGNIZED(let value): "unrecognized_\(value)"
        }
    }

    /// Snake-case keys and ISO 8601 dates, like the rest of Herald's JSON.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
