import Foundation

/// A customer's reply that confirms or cancels a booking: a word of the tenant's
/// `reply_confirm_keywords` or `reply_cancel_keywords` (off by default), applied to
/// that customer's next upcoming booking with the tenant. Pure: the caller reads the
/// customer's upcoming bookings (every tenant's, by phone) and their tenants' settings.
public enum ReplyKeywords {
    public enum Action: Sendable, Equatable {
        case confirm(Booking)
        case cancel(Booking)
        /// Why nothing changes, for the log.
        case none(String)
    }

    /// - Parameters:
    ///   - text: the whole message; one word, any case, trailing punctuation ignored.
    ///   - upcoming: the sender's pending and confirmed bookings that have not started, any tenant.
    ///   - settings: those bookings' tenants' settings.
    public static func decide(text: String, upcoming: [Booking], settings: [String: NotificationSettings]) -> Action {
        let word = ReplyMeaning.word(text)
        guard !word.isEmpty, !word.contains(where: \.isWhitespace) else { return .none("not a keyword") }
        // The next booking of each tenant whose keywords know the word.
        var matches: [(booking: Booking, confirms: Bool)] = []
        for (tenant, bookings) in Dictionary(grouping: upcoming, by: \.tenantID) {
            guard let tenantSettings = settings[tenant],
                  let next = bookings.min(by: { ($0.startAt, $0.id) < ($1.startAt, $1.id) })
            else { continue }
            if tenantSettings.replyConfirmKeywords.contains(word) {
                matches.append((next, true))
            } else if tenantSettings.replyCancelKeywords.contains(word) {
                matches.append((next, false))
            }
        }
        guard let match = matches.first else {
            return .none(upcoming.isEmpty ? "no upcoming booking for the sender" : "not a keyword of the sender's tenants")
        }
        guard matches.count == 1 else {
            return .none("ambiguous: the sender has upcoming bookings with \(matches.count) tenants that take \(word)")
        }
        return match.confirms ? .confirm(match.booking) : .cancel(match.booking)
    }
}
