import Foundation

/// Where a job goes: a channel, a recipient on it, and for SMS the provider preference.
struct Destination: Sendable, Equatable {
    /// `email`, `sms`, `whatsapp`, `webhook` or a custom channel.
    var channel: String
    /// An address, phone number, URL, or whatever a custom channel's recipients are.
    var recipient: String
    var provider: String? = nil
    var fallbackProvider: String? = nil
    /// The provider account it goes out with ("" the default).
    var account: String = ""

    /// The channels on which the booking's customer can be reached, in the order email, SMS, WhatsApp.
    ///
    /// A channel needs both the tenant's consent (it is enabled) and somewhere to send
    /// (the booking has the address or phone); a blank address counts as none, since a
    /// job without a recipient could only fail.
    static func customer(settings: NotificationSettings, booking: Booking, eventType: EventType? = nil) -> [Destination] {
        var destinations: [Destination] = []
        if settings.emailEnabled, let email = present(booking.customerEmail) {
            destinations.append(Destination(channel: "email", recipient: email, account: settings.account(for: "email", eventType: eventType)))
        }
        if let phone = present(booking.customerPhone) {
            if settings.smsEnabled {
                destinations.append(Destination(
                    channel: "sms",
                    recipient: phone,
                    provider: settings.smsProvider.rawValue,
                    fallbackProvider: smsFallback(settings),
                    account: settings.account(for: "sms", eventType: eventType)
                ))
            }
            if settings.whatsappEnabled {
                destinations.append(Destination(channel: "whatsapp", recipient: phone, account: settings.account(for: "whatsapp", eventType: eventType)))
            }
        }
        return destinations
    }

    /// The other SMS provider, when the tenant lets an SMS switch providers; the
    /// dispatcher uses it when the preferred one has no worker or keeps failing.
    static func smsFallback(_ settings: NotificationSettings) -> String? {
        guard settings.smsFailover else { return nil }
        return SMSProvider.allCases.first { $0 != settings.smsProvider }?.rawValue
    }

    private static func present(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingEnds(.whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }
}
