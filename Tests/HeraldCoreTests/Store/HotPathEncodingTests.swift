import Foundation
import GRDB
@testable import HeraldCore
import Testing

/// The booking write's hot path formats dates and the event's booking snapshot by
/// hand; what it writes must be exactly what GRDB and `JSONEncoder` wrote before,
/// since dates compare as text in SQL and snapshots are read back as JSON.
@Suite("SQLite store: hand-written column text")
struct HotPathEncodingTests {
    @Test func dateTextIsGRDBsTextForEveryKindOfDate() {
        var generator = SystemRandomNumberGenerator()
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.0005), Date(timeIntervalSince1970: 0.999),
            Date(timeIntervalSince1970: 951_782_400), // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_400), // 2100-03-01, not a leap year before it
            Date(timeIntervalSince1970: 253_402_300_799.999), // 9999-12-31 23:59:59.999
            Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 253_402_300_800), // left to GRDB
            Date(), Date.distantPast, Date.distantFuture,
        ]
        for _ in 0..<5_000 {
            // Whole milliseconds (as stored), arbitrary fractions, and day boundaries.
            let millis = Double(Int64.random(in: 0...4_102_444_800_000, using: &generator))
            dates.append(Date(timeIntervalSince1970: millis / 1000))
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator)))
            dates.append(Date(timeIntervalSince1970: Double(Int.random(in: 0...47_482, using: &generator) * 86_400) - 0.000_1))
        }
        for date in dates {
            #expect(DatabaseDate.text(date) == String.fromDatabaseValue(date.databaseValue), "\(date.timeIntervalSince1970)")
        }
    }

    /// Lease calls pass accounts and ids as JSON arrays written by hand; SQLite's
    /// json_each must read back exactly the strings given, whatever they hold.
    @Test func stringArraysReadBackAsGiven() throws {
        let lists: [[String]] = [
            [], [""], ["a0", "a1", "default"], ["job-1", "job_2.x"], ["日本語", "emoji 🎉", "\u{7F}", "\u{2028}"],
            ["quote\"d"], ["back\\slash", "plain"], ["tab\there"], ["line\nbreak", "\u{1}"], ["/slash/"],
        ]
        let queue = try DatabaseQueue()
        for list in lists {
            let text = try JSONColumn.encode(strings: list)
            #expect(try JSONColumn.decode([String].self, from: text) == list, "\(text)")
            let read = try queue.read { db in
                try String.fetchAll(db, sql: "SELECT value FROM json_each(?) ORDER BY key", arguments: [text])
            }
            #expect(read == list, "\(text)")
        }
        // What needs no escaping is written as the encoder writes it.
        #expect(try JSONColumn.encode(strings: ["a0", "日本語", "/x"]) == JSONColumn.encode(["a0", "日本語", "/x"]))
    }

    @Test func bookingSnapshotIsJSONEncodersText() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.123)
        let names = [
            "Ada Lovelace", "Zoë \"Z\" O'Neil / Salon", "back\\slash", "tab\there", "line\nbreak", "\u{1}\u{1F}",
            "日本語", "emoji 🎉", "", "<script>&amp;</script>", "\u{7F} delete", "\u{2028}",
        ]
        for (index, name) in names.enumerated() {
            let booking = Booking(
                id: "bk_\(index)", tenantID: "acme", eventTypeID: index % 2 == 0 ? "haircut" : nil,
                customerName: name, customerEmail: index % 3 == 0 ? nil : "a+\(index)@example.com",
                customerPhone: index % 2 == 0 ? "+4915112345678" : nil,
                startAt: now.addingTimeInterval(86_400), endAt: now.addingTimeInterval(90_000.5),
                status: index % 2 == 0 ? .confirmed : .pending, scheduleVersion: index + 1,
                askedToConfirm: index % 2 == 1, confirmBy: index % 4 == 1 ? now.addingTimeInterval(3_600.25) : nil,
                createdAt: now, updatedAt: now.addingTimeInterval(0.001))
            let generic = String(decoding: try JSONColumn.encoder().encode(booking), as: UTF8.self)
            #expect(try JSONColumn.encode(booking) == generic, "\(name)")
        }
    }
}

/// Timestamps of requests and answers are parsed and formatted with calendar
/// arithmetic; it must agree with Foundation's calendar and ISO 8601 style.
@Suite("Timestamps: arithmetic agrees with Foundation")
struct TimestampArithmeticTests {
    /// The parse as it was before the arithmetic: Foundation's Gregorian calendar.
    static func calendarParse(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int) -> Date? {
        guard let zone = TimeZone(secondsFromGMT: offset) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return date
    }

    @Test func parsingAgreesWithTheCalendar() {
        var generator = SystemRandomNumberGenerator()
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        for index in 0..<5_000 {
            let year = index % 10 == 0 ? Int.random(in: 1583...9999, using: &generator) : Int.random(in: 1990...2100, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...31, using: &generator) // some do not exist: both refuse them
            let (hour, minute, second) = (Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator), Int.random(in: 0...59, using: &generator))
            let offset = index % 3 == 0 ? 0 : Int.random(in: -19...19, using: &generator) * 3600 + (index % 2) * 1800
            let sign = offset < 0 ? "-" : "+"
            let zone = offset == 0 && index % 2 == 0 ? "Z" : "\(sign)\(two(abs(offset) / 3600)):\(two(abs(offset) % 3600 / 60))"
            let text = "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))\(zone)"
            let expected = Self.calendarParse(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset)
            #expect(Timestamp.parse(text) == expected, "\(text)")
            if let expected {
                #expect(Timestamp.parse(text.replacingOccurrences(of: zone, with: ".250" + zone)) == expected.addingTimeInterval(0.25), "\(text)")
            }
        }
    }

    @Test func formattingAgreesWithTheISO8601Style() {
        var generator = SystemRandomNumberGenerator()
        let style = Date.ISO8601FormatStyle(timeZone: .gmt)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 253_402_300_799.9), Date(timeIntervalSince1970: -0.5), Date()]
        for _ in 0..<5_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator)))
            dates.append(Date(timeIntervalSince1970: Double(Int.random(in: 0...4_102_444_800, using: &generator))))
        }
        for date in dates {
            #expect(Timestamp.format(date) == style.format(date), "\(date.timeIntervalSince1970)")
        }
    }
}
