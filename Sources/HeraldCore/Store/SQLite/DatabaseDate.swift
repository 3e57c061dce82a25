import Foundation
import GRDB

/// The text of a date column, exactly as GRDB writes a `Date` by default
/// (`yyyy-MM-dd HH:mm:ss.SSS` in UTC, milliseconds truncated), but without the
/// `DateFormatter` GRDB formats it with.
///
/// A booking write stores about twenty dates (booking, jobs, event, the booking
/// snapshot in the event), and each trip through ICU's formatter cost a few
/// microseconds: together a large share of the write. Dates compare as text in
/// SQL, so this must produce byte for byte what GRDB produces; the tests check
/// it against GRDB's own formatting, and dates outside years 1970–9999 are left
/// to GRDB.
enum DatabaseDate {
    /// 1970-01-01 to 9999-12-31, in milliseconds: four-digit years, no sign.
    private static let fastRange: ClosedRange<Double> = 0...253_402_300_799_999

    static func text(_ date: Date) -> String {
        // The same arithmetic as Foundation's formatter: milliseconds since 1970 as a
        // double, truncated by the calendar.
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard fastRange.contains(milliseconds) else {
            return String.fromDatabaseValue(date.databaseValue) ?? ""
        }
        let total = Int64(milliseconds)
        let (days, millisecondOfDay) = total.quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = civil(daysSince1970: days)
        let secondOfDay = millisecondOfDay / 1000
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int64, digits: Int) {
                var value = value
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += digits
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(year, digits: 4); put("-"); put(month, digits: 2); put("-"); put(day, digits: 2); put(" ")
            put(secondOfDay / 3600, digits: 2); put(":"); put(secondOfDay / 60 % 60, digits: 2); put(":")
            put(secondOfDay % 60, digits: 2); put("."); put(millisecondOfDay % 1000, digits: 3)
            return index
        }
    }

    /// Year, month and day of the proleptic Gregorian calendar for a day count from
    /// 1970-01-01 (not negative), after Howard Hinnant's `civil_from_days`.
    private static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468 // days since 0000-03-01
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153 // 0 is March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
