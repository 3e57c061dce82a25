import Foundation
import Synchronization

/// The values a message template can use, computed for one notification in the
/// tenant's time zone and locale.
///
/// Customer-supplied fields (names, e-mail addresses) are values here, never
/// template source: Mustache inserts them as text, so a customer called
/// `{{business_name}}` is greeted by exactly that name.
public enum TemplateVariables {
    /// Every name a template may use, with what it holds; a template using any
    /// other name is refused when it is set.
    public static let documented: [(name: String, meaning: String)] = [
        ("customer_name", "the customer's full name"),
        ("customer_first_name", "the first word of the customer's name"),
        ("customer_email", "the customer's e-mail address, if any"),
        ("customer_phone", "the customer's phone number, if any"),
        ("business_name", "the tenant's sender name"),
        ("reply_to", "the tenant's reply-to address, if any"),
        ("service", "the event type's name, if the booking has one"),
        ("date", "the start date, long form (\"Sunday, 17 August 2025\")"),
        ("date_short", "the start date, short form (\"Sun 17 Aug\")"),
        ("time", "the start time (\"15:30\" or \"3:30 PM\", as the locale writes it)"),
        ("end_time", "the end time"),
        ("time_zone", "the zone's abbreviation at the start (\"CEST\")"),
        ("duration_minutes", "the booking's length in minutes"),
        ("reminder", "how far ahead a reminder is (\"tomorrow\", \"in 1 hour\")"),
        ("reminder_minutes", "a reminder's offset in minutes"),
        ("status", "the booking's status (confirmed, cancelled, ...)"),
        ("booking_id", "the booking's id"),
        ("unsubscribe_url", "in follow-up e-mails, when heraldd has --public-url: the link that stops follow-ups to this address"),
        ("confirm_url", "with customer links on (and --public-url): the link that confirms a pending booking"),
        ("cancel_url", "with customer links on (and --public-url): the link that cancels the booking"),
        ("awaiting_confirmation", "present while the customer is asked to confirm a pending booking (ask for confirmation)"),
        ("confirm_reply", "while awaiting confirmation: the first of the tenant's reply confirm keywords, if any"),
        ("location", "the event type's location, if it has one"),
    ]

    static let names = Set(documented.map(\.name))

    /// The values for one notification. Absent values are left out, so that
    /// `{{#service}}...{{/service}}` renders only when there is a service.
    static func values(
        booking: Booking, settings: NotificationSettings, eventType: EventType?, reminderOffsetMinutes: Int,
        unsubscribeURL: String? = nil, links: BookingLinks = BookingLinks()
    ) -> [String: String] {
        let zone = TimeZone(identifier: settings.timeZone) ?? .gmt
        let locale = Locale(identifier: settings.locale)
        let start = booking.startAt
        // ICU puts narrow and ordinary no-break spaces in times ("3:30\u{202F}PM"); a
        // plain space reads the same and keeps an SMS in GSM-7 (160 characters, not 70).
        func plain(_ text: String) -> String {
            text.contains(where: { $0 == "\u{202F}" || $0 == "\u{00A0}" })
                ? String(text.map { $0 == "\u{202F}" || $0 == "\u{00A0}" ? " " : $0 }) : text
        }
        var values: [String: String] = [
            "customer_name": booking.customerName,
            "customer_first_name": booking.customerName.split(separator: " ").first.map(String.init) ?? booking.customerName,
            "business_name": settings.senderName,
            "date": plain(start.formatted(Date.FormatStyle(date: .complete, time: .omitted, locale: locale, timeZone: zone))),
            "date_short": plain(start.formatted(
                Date.FormatStyle(locale: locale, timeZone: zone).weekday(.abbreviated).day().month(.abbreviated))),
            "time": plain(start.formatted(Date.FormatStyle(date: .omitted, time: .shortened, locale: locale, timeZone: zone))),
            "end_time": plain(booking.endAt.formatted(Date.FormatStyle(date: .omitted, time: .shortened, locale: locale, timeZone: zone))),
            "time_zone": abbreviation(of: zone, at: start),
            "duration_minutes": String(Int(booking.endAt.timeIntervalSince(start) / 60)),
            "status": booking.status.rawValue,
            "booking_id": booking.id,
        ]
        if let email = booking.customerEmail, !email.isEmpty { values["customer_email"] = email }
        if let phone = booking.customerPhone, !phone.isEmpty { values["customer_phone"] = phone }
        if let replyTo = settings.replyToEmail, !replyTo.isEmpty { values["reply_to"] = replyTo }
        if let service = eventType?.name, !service.isEmpty { values["service"] = service }
        if let location = eventType?.location, !location.isEmpty { values["location"] = location }
        if booking.awaitingConfirmation {
            values["awaiting_confirmation"] = "yes"
            if let word = settings.replyConfirmKeywords.first { values["confirm_reply"] = word }
        }
        if reminderOffsetMinutes > 0 {
            values["reminder"] = relative(minutes: reminderOffsetMinutes)
            values["reminder_minutes"] = String(reminderOffsetMinutes)
        }
        if let unsubscribeURL { values["unsubscribe_url"] = unsubscribeURL }
        if let confirm = links.confirmURL { values["confirm_url"] = confirm }
        if let cancel = links.cancelURL { values["cancel_url"] = cancel }
        return values
    }

    /// Foundation builds an ICU zone formatter for every `abbreviation(for:)`
    /// call, which costs more than the rest of a message; the abbreviation
    /// only changes with the zone's offset, so it is kept per zone and offset.
    private static let abbreviations = Mutex<[String: String]>([:])

    static func abbreviation(of zone: TimeZone, at date: Date) -> String {
        let key = "\(zone.identifier) \(zone.secondsFromGMT(for: date))"
        if let known = abbreviations.withLock({ $0[key] }) { return known }
        let abbreviation = zone.abbreviation(for: date) ?? zone.identifier
        abbreviations.withLock { $0[key] = abbreviation }
        return abbreviation
    }

    /// "tomorrow", "in 2 hours", "in 30 minutes": how far ahead a reminder is.
    static func relative(minutes: Int) -> String {
        switch minutes {
        case 1: "in 1 minute"
        case ..<60: "in \(minutes) minutes"
        case 60: "in 1 hour"
        case ..<1440 where minutes % 60 == 0: "in \(minutes / 60) hours"
        case ..<1440: "in \(minutes / 60) h \(minutes % 60) min"
        case 1440: "tomorrow"
        case _ where minutes % 1440 == 0: "in \(minutes / 1440) days"
        default: "in \(minutes / 60) hours"
        }
    }
}
