import Foundation
import HeraldTesting
import Testing

@testable import HeraldCore

/// Invites as a real iCalendar library reads them (Python's icalendar, through
/// Tests/Peers/ical_check.py): the fields a calendar client takes, customer data that
/// cannot break the structure, lines folded within 75 octets.
@Suite("iCalendar invites")
struct ICalendarTests {
    static let start = Date(timeIntervalSince1970: 1_806_840_000) // 2027-04-04 12:00:00 UTC

    static func event(
        _ method: ICalendar.Method = .request, sequence: Int = 0, summary: String = "Haircut with Salon Lumière",
        attendee: String = "Ada Lovelace", description: String? = nil
    ) -> ICalendar.Event {
        ICalendar.Event(
            method: method, uid: "bk_01ABC@salon.herald", sequence: sequence, stamp: Fixture.now, start: start,
            end: start.addingTimeInterval(2700), summary: summary, description: description, location: "Rue de Rivoli 1, Paris",
            organizer: .init(name: "Salon Lumière", email: "desk@salon.example"),
            attendee: .init(name: attendee, email: "ada@example.com"))
    }

    /// What ical_check.py read from each invite.
    static func parsed(_ events: [ICalendar.Event]) async throws -> [[String: Any]] {
        try await withTemporaryDirectory(prefix: "herald-ical") { directory in
            var paths: [String] = []
            for (index, event) in events.enumerated() {
                let file = directory.appendingPathComponent("\(index).ics")
                try Data(ICalendar.render(event).utf8).write(to: file)
                paths.append(file.path)
            }
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Peers/ical_check.py")
            let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
            let run = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [python, script.path] + paths)
            let status = try await run.waitForExit(within: .seconds(60))
            #expect(status == 0, "ical_check.py: \(run.stderr)")
            return run.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    @Test func aRequestHasEveryFieldACalendarClientNeeds() async throws {
        let invite = try #require(try await Self.parsed([Self.event()]).first)
        #expect(invite["method"] as? String == "REQUEST" && invite["events"] as? Int == 1)
        #expect(invite["uid"] as? String == "bk_01ABC@salon.herald" && invite["sequence"] as? Int == 0)
        #expect(invite["dtstart"] as? String == "2027-04-04T12:00:00+00:00")
        #expect(invite["dtend"] as? String == "2027-04-04T12:45:00+00:00")
        #expect(invite["summary"] as? String == "Haircut with Salon Lumière")
        #expect(invite["location"] as? String == "Rue de Rivoli 1, Paris")
        #expect(invite["status"] as? String == "CONFIRMED")
        #expect(invite["organizer"] as? String == "mailto:desk@salon.example" && invite["organizer_cn"] as? String == "Salon Lumière")
        #expect(invite["attendee"] as? String == "mailto:ada@example.com" && invite["attendee_cn"] as? String == "Ada Lovelace")
        #expect(invite["lines_ok"] as? Bool == true, "\(invite)")
    }

    @Test func aCancellationKeepsTheUIDWithAHigherSequence() async throws {
        let invites = try await Self.parsed([Self.event(sequence: 1), Self.event(.cancel, sequence: 2)])
        #expect(invites.map { $0["uid"] as? String } == ["bk_01ABC@salon.herald", "bk_01ABC@salon.herald"])
        #expect(invites.map { $0["sequence"] as? Int } == [1, 2])
        #expect(invites.last?["method"] as? String == "CANCEL" && invites.last?["status"] as? String == "CANCELLED")
    }

    /// Names and text a customer or tenant typed: commas, semicolons, colons, quotes,
    /// backslashes, line breaks, a property-looking line, long non-ASCII text.
    @Test func hostileTextStaysInsideItsValue() async throws {
        let summary = "Cut; colour, and \\ more\r\nEND:VEVENT\nBEGIN:VALARM " + String(repeating: "Zoë ✂️ ", count: 30)
        let attendee = "Ada \"The Count\"; Lovelace, PhD: Esq.\nATTENDEE:mailto:eve@example.com"
        let invite = try #require(try await Self.parsed([Self.event(summary: summary, attendee: attendee, description: "Line one\nLine two")]).first)
        #expect(invite["events"] as? Int == 1)
        #expect(invite["summary"] as? String == summary.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(invite["attendee"] as? String == "mailto:ada@example.com")
        #expect(invite["attendee_cn"] as? String == "Ada The Count; Lovelace, PhD: Esq.ATTENDEE:mailto:eve@example.com", "\(invite)")
        #expect(invite["description"] as? String == "Line one\nLine two")
        #expect(invite["lines_ok"] as? Bool == true, "\(invite)")
    }

    /// A pending booking's invite is tentative; a name that is empty once cleaned gives no CN.
    @Test func aPendingBookingIsTentativeAndAnEmptyNameHasNoCN() async throws {
        var event = Self.event(attendee: "\"\"")
        event.tentative = true
        event.organizer = .init(name: "", email: "desk@salon.example")
        let ics = ICalendar.render(event)
        #expect(ics.contains("\r\nATTENDEE;ROLE=REQ-PARTICIPANT") && ics.contains("\r\nORGANIZER:mailto:desk@salon.example\r\n"), "\(ics)")
        let invite = try #require(try await Self.parsed([event]).first)
        #expect(invite["status"] as? String == "TENTATIVE" && invite["attendee_cn"] is NSNull, "\(invite)")
    }

    @Test func linesFoldWithinSeventyFiveOctetsWithoutSplittingACharacter() {
        let folded = ICalendar.fold("SUMMARY:" + String(repeating: "é", count: 100))
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count > 1 && lines.allSatisfy { $0.utf8.count <= 75 }, "\(lines.map(\.utf8.count))")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(lines.first! + lines.dropFirst().map { String($0.dropFirst()) }.joined() == "SUMMARY:" + String(repeating: "é", count: 100))
    }
}

extension ICalendarTests {
    /// The arithmetic UTC form agrees with Foundation's calendar, around leap days,
    /// year ends and before 1970.
    @Test(arguments: [
        0.0, 59.0, 86_399.0, 951_782_400.0, 951_868_799.0, 1_709_164_800.5, 1_806_840_000.0, 4_102_444_799.0, -1.0, -86_401.0,
        -2_208_988_800.0,
    ])
    func utcTimesMatchTheGregorianCalendar(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let expected = String(
            format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        #expect(ICalendar.utc(date) == expected)
    }
}
