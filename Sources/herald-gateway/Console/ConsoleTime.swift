import Foundation

/// Times on the console's pages: the core's RFC 3339 instants shown in the tenant's
/// zone and locale, and the forms' local inputs read back in that zone.
struct ConsoleTime: Sendable {
    let zone: TimeZone
    /// The zone as the tenant's settings name it ("UTC", not Foundation's "GMT").
    let zoneName: String
    let locale: Locale

    init(timezone: String, locale: String = "") {
        let known = TimeZone(identifier: timezone)
        zone = known ?? .gmt
        zoneName = known == nil ? "UTC" : timezone
        self.locale = Locale(identifier: locale.isEmpty ? "en_US" : locale.replacingOccurrences(of: "-", with: "_"))
    }

    static let utc = ConsoleTime(timezone: "UTC")

    /// An RFC 3339 instant, with or without fractional seconds; nil for anything else.
    static func instant(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// "Tue, Dec 8, 2026, 2:30 PM" in the tenant's zone and locale; the text itself
    /// when it is not an instant, "" for "".
    func show(_ text: String) -> String {
        guard let date = Self.instant(text) else { return text }
        return show(date)
    }

    func show(_ date: Date) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale, timeZone: zone)
        style = style.weekday(.abbreviated)
        return date.formatted(style)
    }

    /// The day `date` falls on in the zone: its start and the next day's start.
    func day(of date: Date) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: date)
        return (start, calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400))
    }

    func dayName(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .complete, time: .omitted, locale: locale, timeZone: zone))
    }

    /// A `datetime-local` input ("2026-12-08T14:30", seconds optional) in the zone.
    func localInput(_ text: String) -> Date? {
        parse(text, formats: ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"])
    }

    /// A `date` input ("2026-12-08"): the start of that day in the zone.
    func dateInput(_ text: String) -> Date? {
        parse(text, formats: ["yyyy-MM-dd"])
    }

    /// The value of a `datetime-local` input showing `date` in the zone.
    func inputValue(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    private func parse(_ text: String, formats: [String]) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.isLenient = false
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
