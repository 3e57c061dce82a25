import Foundation
import Testing

@testable import herald_gateway

/// The console's pure parts: sessions, times in a tenant's zone, how rows read.
@Suite("console: sessions, times and wording")
struct ConsoleUnitTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func sessionsEndAtTheirExpiry() async {
        let sessions = ConsoleSessions(lifetime: 3600)
        let session = await sessions.open(apiKey: "hk_a", now: now)
        #expect(session.id.count == 43 && session.csrf.count == 43 && session.id != session.csrf)
        #expect(await sessions.session(session.id, now: now.addingTimeInterval(3599))?.apiKey == "hk_a")
        #expect(await sessions.session(session.id, now: now.addingTimeInterval(3600)) == nil)
        // Gone for good once seen expired.
        #expect(await sessions.count == 0)
        #expect(await sessions.session("not-a-session", now: now) == nil)
    }

    @Test func signingOutOrRevokingEndsSessions() async {
        let sessions = ConsoleSessions(lifetime: 3600)
        let first = await sessions.open(apiKey: "hk_a", now: now)
        let second = await sessions.open(apiKey: "hk_a", now: now)
        let other = await sessions.open(apiKey: "hk_b", now: now)
        #expect(first.id != second.id)
        await sessions.close(first.id)
        #expect(await sessions.session(first.id, now: now) == nil)
        #expect(await sessions.session(second.id, now: now) != nil)
        await sessions.close(apiKey: "hk_a")
        #expect(await sessions.session(second.id, now: now) == nil)
        #expect(await sessions.session(other.id, now: now) != nil)
    }

    @Test func aFullBookPushesOutTheSessionClosestToItsEnd() async {
        let sessions = ConsoleSessions(lifetime: 3600, capacity: 2)
        let oldest = await sessions.open(apiKey: "hk_a", now: now)
        let middle = await sessions.open(apiKey: "hk_b", now: now.addingTimeInterval(10))
        let newest = await sessions.open(apiKey: "hk_c", now: now.addingTimeInterval(20))
        #expect(await sessions.count == 2)
        #expect(await sessions.session(oldest.id, now: now.addingTimeInterval(30)) == nil)
        #expect(await sessions.session(middle.id, now: now.addingTimeInterval(30)) != nil)
        #expect(await sessions.session(newest.id, now: now.addingTimeInterval(30)) != nil)
    }

    @Test func tokensHaveOneShape() {
        #expect(ConsoleSessions.isToken(ConsoleSessions.randomToken()))
        #expect(!ConsoleSessions.isToken("short"))
        #expect(!ConsoleSessions.isToken(String(repeating: "a", count: 42) + "\""))
        #expect(!ConsoleSessions.isToken(String(repeating: "a", count: 42) + ";"))
    }

    @Test func tokensCompareWhole() {
        #expect(ConsoleSessions.same("abc", "abc"))
        #expect(!ConsoleSessions.same("abc", "abd"))
        #expect(!ConsoleSessions.same("abc", "ab"))
        #expect(!ConsoleSessions.same("", "a"))
    }

    @Test func formInputsAreReadInTheTenantsZone() throws {
        let berlin = ConsoleTime(timezone: "Europe/Berlin", locale: "de-DE")
        // Winter (UTC+1) and summer (UTC+2).
        #expect(berlin.localInput("2026-12-08T14:30").map(ConsoleTime.rfc3339) == "2026-12-08T13:30:00Z")
        #expect(berlin.localInput("2026-07-08T14:30:15").map(ConsoleTime.rfc3339) == "2026-07-08T12:30:15Z")
        #expect(berlin.localInput("08.12.2026 14:30") == nil)
        #expect(berlin.localInput("2026-02-30T10:00") == nil)
        #expect(berlin.dateInput("2026-12-08").map(ConsoleTime.rfc3339) == "2026-12-07T23:00:00Z")
        let day = berlin.day(of: try #require(ConsoleTime.instant("2026-12-08T23:30:00Z")))
        #expect(ConsoleTime.rfc3339(day.start) == "2026-12-08T23:00:00Z" && ConsoleTime.rfc3339(day.end) == "2026-12-09T23:00:00Z")
        // The day the clocks go back is 25 hours long.
        let autumn = berlin.day(of: try #require(ConsoleTime.instant("2026-10-25T12:00:00Z")))
        #expect(autumn.end.timeIntervalSince(autumn.start) == 25 * 3600)
        #expect(berlin.inputValue(try #require(ConsoleTime.instant("2026-12-08T13:30:00Z"))) == "2026-12-08T14:30")
    }

    @Test func instantsAreShownInTheZoneAndOthersAsTheyAre() throws {
        let tokyo = ConsoleTime(timezone: "Asia/Tokyo", locale: "en-US")
        #expect(tokyo.show("2026-12-08T13:30:00Z").contains("10:30"), "\(tokyo.show("2026-12-08T13:30:00Z"))")
        #expect(tokyo.show("2026-12-08T13:30:00.250Z").contains("10:30"))
        #expect(tokyo.show("") == "")
        #expect(tokyo.show("soon") == "soon")
        // An unknown zone falls back to UTC rather than failing the page.
        #expect(ConsoleTime(timezone: "Mars/Olympus").zone.identifier == "GMT")
        #expect(ConsoleTime(timezone: "Mars/Olympus").zoneName == "UTC" && ConsoleTime(timezone: "UTC").zoneName == "UTC")
    }

    @Test func notificationsReadAsWords() {
        #expect(LogRowView.describe(kind: "reminder", offset: 1440) == "reminder, 1 day before")
        #expect(LogRowView.describe(kind: "reminder", offset: 2880) == "reminder, 2 days before")
        #expect(LogRowView.describe(kind: "reminder", offset: 90) == "reminder, 90 minutes before")
        #expect(LogRowView.describe(kind: "reminder", offset: 120) == "reminder, 2 hours before")
        #expect(LogRowView.describe(kind: "host_notification", offset: 0) == "host notification")
        #expect(Console.pathSegment("a/b c") == "a%2Fb%20c")
    }
}
