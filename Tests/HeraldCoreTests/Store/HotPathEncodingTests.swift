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
        for _ in 0..<20_000 {
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
                createdAt: now, updatedAt: now.addingTimeInterval(0.001))
            let generic = String(decoding: try JSONColumn.encoder().encode(booking), as: UTF8.self)
            #expect(try JSONColumn.encode(booking) == generic, "\(name)")
        }
    }
}
