import Foundation
import HeraldTesting
import Testing

/// Calendar invites end to end: the real e-mail channel and SMTP server, and every
/// invite read back with a real iCalendar library (Python's icalendar, through
/// Tests/Peers/ical_check.py).
@Suite("Calendar invites end to end", .timeLimit(.minutes(5)))
struct CalendarInviteTests {
    /// What ical_check.py read in each calendar text, in order.
    static func read(_ calendars: [String], in directory: URL) async throws -> [[String: Any]] {
        var paths: [String] = []
        for (index, text) in calendars.enumerated() {
            let file = directory.appendingPathComponent("invite-\(UUID().uuidString)-\(index).ics")
            // The e-mail parser hands text parts over with LF line ends; the invite was CRLF.
            try Data(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: file)
            paths.append(file.path)
        }
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let run = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"), [python, RunningPeer.scripts.appendingPathComponent("ical_check.py").path] + paths)
        let status = try await run.waitForExit(within: .seconds(60))
        #expect(status == 0, "ical_check.py: \(run.stderr)")
        return run.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Booked, moved across the change to summer time, cancelled: one UID, SEQUENCE 0,
    /// 1, 2, REQUEST, REQUEST, CANCEL, each time in UTC as the Berlin wall clock says;
    /// a hostile customer name stays the attendee's name.
    @Test func anInviteFollowsTheBookingThroughAMoveAndACancellation() async throws {
        let (core, smtp, channel) = try await EmailChannelTests.setUp()
        _ = try await core.heraldOrThrow(["settings", "set", "salon", "--timezone", "Europe/Berlin"])
        _ = try await core.heraldOrThrow(["event-type", "create", "salon", "cut", "--name", "Cut, colour; style", "--duration", "45"])
        let customer = "Zoë \"Z\"; Ångström, PhD"
        // Saturday 27 March 2027, 10:00 in Berlin is 09:00 UTC (CET); Monday 29 March, after
        // the clocks went forward, 10:00 is 08:00 UTC (CEST).
        _ = try await core.heraldOrThrow([
            "booking", "create", "salon", "--id", "b-dst", "--start", "2027-03-27T10:00:00+01:00",
            "--email", "zoe@example.com", "--name", customer, "--event-type", "cut",
        ])
        func invites(_ count: Int) async throws -> [ReceivedMail] {
            try await waitFor("\(count) e-mails with invites", within: .seconds(60)) {
                let mails = try smtp.messages().filter { $0.parsed.parts.contains { $0.content_type == "text/calendar" } }
                return mails.count >= count ? mails : nil
            }
        }
        _ = try await invites(1)
        _ = try await core.heraldOrThrow(["booking", "reschedule", "b-dst", "--start", "2027-03-29T10:00:00+02:00"])
        _ = try await invites(2)
        _ = try await core.heraldOrThrow(["booking", "cancel", "b-dst"])
        let mails = try await invites(3)
        let calendars = mails.compactMap { $0.parsed.parts.first { $0.content_type == "text/calendar" } }
        #expect(calendars.map(\.method) == ["REQUEST", "REQUEST", "CANCEL"])
        let read = try await Self.read(calendars.map(\.content), in: core.directory)
        #expect(read.count == 3)
        #expect(Set(read.map { $0["uid"] as? String }) == ["b-dst@herald"])
        #expect(read.map { $0["sequence"] as? Int } == [0, 1, 2])
        #expect(read.map { $0["method"] as? String } == ["REQUEST", "REQUEST", "CANCEL"])
        #expect(read.map { $0["dtstart"] as? String } == ["2027-03-27T09:00:00+00:00", "2027-03-29T08:00:00+00:00", "2027-03-29T08:00:00+00:00"])
        #expect(read.map { $0["dtend"] as? String }.first == "2027-03-27T09:45:00+00:00")
        #expect(read.last?["status"] as? String == "CANCELLED")
        for invite in read {
            #expect(invite["summary"] as? String == "Cut, colour; style with Salon Lumière", "\(invite)")
            #expect(invite["attendee_cn"] as? String == "Zoë Z; Ångström, PhD" && invite["attendee"] as? String == "mailto:zoe@example.com")
            #expect(invite["events"] as? Int == 1 && invite["lines_ok"] as? Bool == true, "\(invite)")
        }
        // Reminders carry no invite: only confirmations, reschedule notices and cancellations do.
        #expect(try smtp.messages().filter { $0.parsed.headers["subject"]?.first?.hasPrefix("Reminder") == true }
            .allSatisfy { !$0.parsed.parts.contains { $0.content_type == "text/calendar" } })
        #expect(try await channel.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}
