import Foundation
import HeraldProto

/// Renders what a customer or host reads, in the tenant's time zone and locale.
///
/// The wording is fixed for now; per-tenant templates (swift-mustache) replace
/// it with the channels issue. Channels only transport what this produces.
public struct MessageRenderer: Sendable {
    public init() {}

    public func render(
        _ job: NotificationJob, booking: Booking, settings: NotificationSettings, eventType: EventType?
    ) -> Herald_V1_RenderedMessage {
        let business = settings.senderName
        let service = eventType.map { " for \($0.name)" } ?? ""
        let when = Self.localTime(booking.startAt, settings: settings)
        let name = booking.customerName.isEmpty ? "there" : booking.customerName
        let subject: String
        let text: String
        switch job.kind {
        case .confirmation:
            subject = "Your booking with \(business) is confirmed"
            text = "Hi \(name), your appointment\(service) with \(business) on \(when) is confirmed."
        case .reminder:
            subject = "Reminder: your appointment with \(business) \(Self.relative(job.reminderOffsetMinutes))"
            text = "Hi \(name), this is a reminder of your appointment\(service) with \(business) on \(when)."
        case .reschedule:
            subject = "Your booking with \(business) has moved"
            text = "Hi \(name), your appointment\(service) with \(business) is now on \(when)."
        case .cancellation:
            subject = "Your booking with \(business) is cancelled"
            text = "Hi \(name), your appointment\(service) with \(business) on \(when) has been cancelled."
        case .followUp:
            subject = "Thank you for visiting \(business)"
            text = "Hi \(name), thank you for your visit to \(business). We hope to see you again soon."
        case .hostNotification:
            subject = "Booking \(booking.status.rawValue): \(booking.customerName) on \(when)"
            text = "Booking \(booking.id)\(service): \(booking.customerName) \(booking.customerEmail ?? "") \(booking.customerPhone ?? ""), \(when), status \(booking.status.rawValue)."
        case .webhook:
            subject = ""
            text = ""
        }
        return .with {
            $0.subject = subject
            $0.textBody = text
            $0.senderName = business
            $0.replyTo = settings.replyToEmail ?? ""
        }
    }

    /// "Sat, 17 Aug 2025 at 17:30 CEST" in the tenant's zone and locale.
    static func localTime(_ date: Date, settings: NotificationSettings) -> String {
        let zone = TimeZone(identifier: settings.timeZone) ?? .gmt
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: Locale(identifier: settings.locale), timeZone: zone)
        style = style.weekday(.abbreviated)
        return date.formatted(style) + " " + (zone.abbreviation(for: date) ?? zone.identifier)
    }

    static func relative(_ minutes: Int) -> String {
        switch minutes {
        case ..<60: "in \(minutes) minutes"
        case 60: "in 1 hour"
        case ..<1440 where minutes % 60 == 0: "in \(minutes / 60) hours"
        case 1440: "tomorrow"
        case _ where minutes % 1440 == 0: "in \(minutes / 1440) days"
        default: "soon"
        }
    }
}
