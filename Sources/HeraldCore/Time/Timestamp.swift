import Foundation

/// ISO 8601 / RFC 3339 times as they cross the bus: always with a date, a time
/// and an offset; written back in UTC with a `Z`.
///
/// Parsing is strict on purpose. Foundation's ISO 8601 parser rolls
/// `2025-02-30` over into March and ignores trailing junk; a booking time that
/// silently moves is worse than a clear error.
public enum Timestamp {
    private static let output = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, e.g.
    /// "2025-08-17T15:30:00Z" or "2025-08-17T17:30:00+02:00". Returns nil for
    /// anything else: a date without a time, a time without an offset, a day or
    /// hour out of range, extra characters.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0

        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + width)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("T") || expect("t"), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }

        var nanosecond = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            let digits = bytes[start..<index]
            guard (1...9).contains(digits.count) else { return nil }
            let padded = digits + Array(repeating: UInt8(ascii: "0"), count: 9 - digits.count)
            nanosecond = padded.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }

        let offsetSeconds: Int
        if expect("Z") || expect("z") {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2),
                offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }

        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
        // An offset Foundation has no time zone for (beyond ±18 h) is refused on either path.
        guard offsetSeconds == 0 || TimeZone(secondsFromGMT: offsetSeconds) != nil else { return nil }
        // Arithmetic where it gives the calendar's answer (see CivilDate): every booking has a timestamp or two.
        if CivilDate.fastYears.contains(Int64(year)) {
            guard day <= CivilDate.daysInMonth(year: Int64(year), month: Int64(month)) else { return nil }
            let days = CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))
            let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
            return Date(timeIntervalSince1970: Double(seconds)).addingTimeInterval(Double(nanosecond) / 1_000_000_000)
        }
        guard let zone = TimeZone(secondsFromGMT: offsetSeconds) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components) else { return nil }
        // Refuse dates the calendar had to roll over (February 30th).
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return date.addingTimeInterval(Double(nanosecond) / 1_000_000_000)
    }

    /// Formats in UTC, whole seconds: "2025-08-17T15:30:00Z".
    public static func format(_ date: Date) -> String {
        // Arithmetic for years 1970-9999 (every booking answer formats four dates); the style elsewhere.
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= 0, seconds < 253_402_300_800 else { return output.format(date) }
        let (days, secondOfDay) = Int64(seconds).quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = CivilDate.civil(days: days)
        return String(unsafeUninitializedCapacity: 20) { buffer in
            var index = 0
            func put(_ value: Int64, digits: Int) { CivilDate.put(value, digits: digits, into: buffer, at: &index) }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(year, digits: 4); put("-"); put(month, digits: 2); put("-"); put(day, digits: 2); put("T")
            put(secondOfDay / 3600, digits: 2); put(":"); put(secondOfDay / 60 % 60, digits: 2); put(":")
            put(secondOfDay % 60, digits: 2); put("Z")
            return index
        }
    }

    /// Formats `date` or returns "" for nil (proto3 strings have no null).
    public static func format(_ date: Date?) -> String {
        date.map(format) ?? ""
    }
}
