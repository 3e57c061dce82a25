import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an
/// HTTP-date after which to try again.
public enum RetryAfter {
    /// The wait `value` asks for, measured from `now`; nil when it is neither
    /// form. A date in the past means no wait (zero).
    public static func parse(_ value: String, now: Date = Date()) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.allSatisfy({ ("0"..."9").contains($0) }) {
            // Beyond a week is as good as "much later"; clamping also avoids overflow.
            let week = 86_400 * 7
            guard text.count <= 9, let seconds = Int(text) else { return .seconds(week) }
            return .seconds(min(seconds, week))
        }
        guard let date = httpDate(text) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded(.up))) : .zero
    }

    /// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850
    /// and asctime forms recipients must still accept.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            // A formatter per call: DateFormatter is not Sendable, and this runs once per response.
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

