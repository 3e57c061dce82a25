import Foundation
import GRDB

/// The text of a date column, exactly as GRDB writes a `Date` by default
/// (`yyyy-MM-dd HH:mm:ss.SSS` in UTC, to the nearest millisecond), but without the
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

    /// The date a column written with `date` reads back as (its text parsed by GRDB).
    static func stored(_ date: Date) -> Date {
        Date.fromDatabaseValue(text(date).databaseValue) ?? date
    }

    static func text(_ date: Date) -> String {
        // The same arithmetic as Foundation's formatter: milliseconds since 1970 as a
        // double, rounded to the nearest.
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        guard fastRange.contains(milliseconds) else {
            return String.fromDatabaseValue(date.databaseValue) ?? ""
        }
        let total = Int64(milliseconds)
        let (days, millisecondOfDay) = total.quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = CivilDate.civil(days: days)
        let secondOfDay = millisecondOfDay / 1000
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var index = 0
            func put(_ value: Int64, digits: Int) { CivilDate.put(value, digits: digits, into: buffer, at: &index) }
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
}
