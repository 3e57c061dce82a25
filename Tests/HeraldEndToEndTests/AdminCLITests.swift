import Foundation
import HeraldTesting
import Testing

/// The real `heraldd` driven by the real `herald`, as an admin would.
@Suite("herald CLI against a running heraldd", .timeLimit(.minutes(5)))
struct AdminCLITests {
    /// A start time safely in the future, whole seconds, in UTC.
    static func future(days: Int, hour: Int = 15) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: Date()))!
        let date = calendar.date(byAdding: .hour, value: hour, to: day)!
        return ISO8601DateFormatter().string(from: date)
    }

    @Test func tenantsSettingsAndEventTypes() async throws {
        let core = try await RunningCore.start()
        #expect(try await core.heraldOK("tenant", "create", "salon", "--name", "Salon Lumière", "--timezone", "Europe/Berlin") == "salon\n")
        try await core.heraldOK("tenant", "create", "clinic", "--name", "Clinic")

        let list = try await core.heraldOK("tenant", "list")
        let lines = list.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.count == 3)
        #expect(list.contains("Salon Lumière"))

        let settings = try await core.heraldOK("settings", "show", "salon", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(settings.utf8)) as? [String: Any]
        #expect(json?["timezone"] as? String == "Europe/Berlin")
        #expect(json?["email_enabled"] as? Bool == true)
        #expect(json?["sms_enabled"] as? Bool == false)
        #expect(json?["reminder_minutes_before"] as? [Int] == [1440, 60])
        #expect(json?["reminder_offsets_minutes"] == nil)

        let changed = try await core.heraldOK(
            "settings", "set", "salon", "--sms", "on", "--reminders", "60,1440,15", "--sms-provider", "vonage",
            "--sms-failover", "on", "--quiet-hours", "21:00-08:00", "--follow-up", "120", "--json")
        let after = try JSONSerialization.jsonObject(with: Data(changed.utf8)) as? [String: Any]
        #expect(after?["sms_enabled"] as? Bool == true)
        #expect(after?["reminder_minutes_before"] as? [Int] == [1440, 60, 15])
        #expect(after?["sms_provider"] as? String == "vonage")
        #expect(after?["quiet_hours"] as? [String: String] == ["start": "21:00", "end": "08:00"])
        #expect(after?["follow_up_enabled"] as? Bool == true)
        // Settings survive a fresh read.
        let human = try await core.heraldOK("settings", "show", "salon")
        #expect(human.contains("quiet hours:"))
        #expect(human.contains("21:00-08:00"))

        try await core.heraldOK(
            "event-type", "create", "salon", "haircut", "--name", "Haircut", "--reminders", "1440,60",
            "--host-emails", "anna@salon.example,ben@salon.example", "--duration", "45")
        let types = try await core.heraldOK("event-type", "list", "salon", "--json")
        let typeList = try JSONSerialization.jsonObject(with: Data(types.utf8)) as? [[String: Any]]
        #expect(typeList?.count == 1)
        #expect(typeList?.first?["booking_notification_emails"] as? [String] == ["anna@salon.example", "ben@salon.example"])
        #expect(typeList?.first?["host_emails"] == nil)
        #expect(typeList?.first?["reminder_minutes_before"] as? [Int] == [1440, 60])
        #expect(typeList?.first?["duration_minutes"] as? Int == 45)

        let updated = try await core.heraldOK("event-type", "update", "salon", "haircut", "--reminders", "tenant", "--json")
        let updatedType = try JSONSerialization.jsonObject(with: Data(updated.utf8)) as? [String: Any]
        #expect(updatedType?.keys.contains("reminder_minutes_before") == false)
        #expect(updatedType?["booking_notification_emails"] as? [String] == ["anna@salon.example", "ben@salon.example"])
        #expect(updatedType?["fallback_channel"] == nil, "the tenant's fallback rule by default")

        // An event type's own fallback rule, shown, changed, and given back to the tenant's.
        func fallback(_ arguments: String...) async throws -> [String: Any]? {
            let json = try await core.heraldOrThrow(["event-type", "update", "salon", "haircut"] + arguments + ["--json"])
            return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        }
        let own = try await fallback("--fallback", "sms", "--fallback-after", "20")
        #expect(own?["fallback_channel"] as? String == "sms" && own?["fallback_after_minutes"] as? Int == 20, "\(own ?? [:])")
        #expect(try await core.heraldOK("event-type", "show", "salon", "haircut").contains("sms, or after 20 minutes without a delivery report"))
        let off = try await fallback("--fallback", "off")
        #expect(off?["fallback_channel"] as? String == "off" && off?["fallback_after_minutes"] == nil, "\(off ?? [:])")
        let refused = try await core.herald("event-type", "update", "salon", "haircut", "--fallback-after", "5")
        #expect(refused.status != 0 && refused.stderr.contains("fallback_after_minutes"), "\(refused)")
        let bad = try await core.herald("event-type", "update", "salon", "haircut", "--fallback", "pigeon")
        #expect(bad.status != 0 && bad.stderr.contains("fallback_channel"), "\(bad)")
        let tenants = try await fallback("--fallback", "tenant")
        #expect(tenants?["fallback_channel"] == nil, "\(tenants ?? [:])")
        #expect(try await core.stop() == 0)
    }

    @Test func bookingLifecycleStoresEveryEvent() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        try await core.heraldOK("event-type", "create", "salon", "haircut", "--name", "Haircut", "--duration", "30")

        let first = Self.future(days: 3)
        let second = Self.future(days: 2)
        let id = try await core.heraldOK(
            "booking", "create", "salon", "--start", first, "--name", "Ada Lovelace", "--email", "ada@example.com",
            "--phone", "+4915112345678", "--event-type", "haircut"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("bk_"))
        try await core.heraldOK("booking", "create", "salon", "--id", "b-2", "--start", second, "--status", "pending")

        // Upcoming bookings come soonest first.
        let upcoming = try await core.heraldOK("booking", "list", "salon", "--json")
        let rows = try JSONSerialization.jsonObject(with: Data(upcoming.utf8)) as? [[String: Any]]
        #expect(rows?.map { $0["id"] as? String } == ["b-2", id])

        let shown = try await core.heraldOK("booking", "show", id, "--json")
        let booking = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any]
        #expect(booking?["start_at"] as? String == first)
        #expect(booking?["status"] as? String == "confirmed")
        #expect(booking?["schedule_version"] as? Int == 1)
        // The event type's 30 minutes give the end.
        let endExpected = ISO8601DateFormatter().string(from: ISO8601DateFormatter().date(from: first)!.addingTimeInterval(1800))
        #expect(booking?["end_at"] as? String == endExpected)

        let moved = Self.future(days: 4, hour: 9)
        let rescheduled = try await core.heraldOK("booking", "reschedule", id, "--start", moved, "--json")
        let after = try JSONSerialization.jsonObject(with: Data(rescheduled.utf8)) as? [String: Any]
        #expect(after?["schedule_version"] as? Int == 2)
        #expect(after?["start_at"] as? String == moved)

        try await core.heraldOK("booking", "mark", "b-2", "confirmed")
        try await core.heraldOK("booking", "mark", id, "no-show")
        try await core.heraldOK("booking", "cancel", "b-2")
        // Cancelled and no-show bookings leave the upcoming list but stay in --all.
        let remaining = try await core.heraldOK("booking", "list", "salon", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(remaining.utf8)) as? [Any])?.isEmpty == true)
        let all = try await core.heraldOK("booking", "list", "salon", "--all", "--json")
        #expect(all.contains("b-2") && all.contains(id))
        // A search by customer and a start window list every status.
        func ids(_ arguments: String...) async throws -> [String] {
            let listed = try await core.heraldOrThrow(["booking", "list", "salon", "--json"] + arguments)
            return (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        }
        #expect(try await ids("--search", "LOVELACE") == [id])
        #expect(try await ids("--search", "b-2") == ["b-2"])
        #expect(try await ids("--starts-from", Self.future(days: 1), "--starts-before", Self.future(days: 3)) == ["b-2"])
        // The log, filtered by each outcome it has: exactly that outcome's rows.
        func outcomes(_ arguments: String...) async throws -> [String] {
            let rows = try await core.heraldOrThrow(["log", "--tenant", "salon", "--json"] + arguments)
            return (try JSONSerialization.jsonObject(with: Data(rows.utf8)) as? [[String: Any]])?.compactMap { $0["outcome"] as? String } ?? []
        }
        let every = try await outcomes()
        #expect(!every.isEmpty)
        for outcome in Set(every) {
            #expect(try await outcomes("--outcome", outcome) == every.filter { $0 == outcome })
        }
        let badFilter = try await core.herald("log", "--outcome", "lost")
        #expect(badFilter.status == 1 && badFilter.stderr.contains("outcome"), "\(badFilter.stderr)")

        let events = try await core.heraldOK("events", "salon", "--json")
        let types = (try JSONSerialization.jsonObject(with: Data(events.utf8)) as? [[String: Any]])?.compactMap { $0["type"] as? String }
        #expect(
            types == [
                "booking.created", "booking.created", "booking.rescheduled", "booking.confirmed",
                "booking.no_show", "booking.cancelled",
            ])
        // A cancelled booking cannot be rescheduled.
        let refused = try await core.herald("booking", "reschedule", "b-2", "--start", moved)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cancelled"))
        #expect(try await core.stop() == 0)
    }

    @Test func webhooksGetASecretShownOnce() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let added = try await core.heraldOK(
            "webhook", "add", "salon", "--url", "https://hooks.example.com/herald", "--events", "booking.created,booking.cancelled",
            "--json")
        let webhook = try JSONSerialization.jsonObject(with: Data(added.utf8)) as? [String: Any]
        let id = try #require(webhook?["id"] as? String)
        let secret = try #require(webhook?["secret"] as? String)
        #expect(secret.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)

        let listed = try await core.heraldOK("webhook", "list", "salon", "--json")
        #expect(listed.contains(id))
        #expect(!listed.contains(secret))
        #expect(listed.contains("booking.cancelled"))

        try await core.heraldOK("webhook", "remove", id)
        let missing = try await core.herald("webhook", "remove", id)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no webhook"))
        #expect(try await core.stop() == 0)
    }

    @Test func tailShowsPublishedEvents() async throws {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        let tail = try ChildProcess(
            Binaries.herald, ["tail", "--count", "1", "--json", "--type", "booking.created"],
            environment: ["HERALD_EVENTS": core.eventsEndpoint])
        // PUB/SUB drops what is published before the subscription arrives, so keep
        // creating bookings until tail has seen one (bounded).
        var attempts = 0
        while tail.isRunning && attempts < 100 {
            attempts += 1
            try await core.heraldOK("booking", "create", "salon", "--start", Self.future(days: 1 + attempts))
            try? await eventually("tail", within: .milliseconds(200)) { !tail.isRunning }
        }
        #expect(try await tail.waitForExit() == 0)
        let line = try JSONSerialization.jsonObject(with: Data(tail.stdout.utf8)) as? [String: Any]
        #expect(line?["type"] as? String == "booking.created")
        #expect(line?["tenant_id"] as? String == "salon")
        #expect(try await core.stop() == 0)
    }

    @Test func dataSurvivesARestart() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let core = try await RunningCore.start(in: directory)
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        try await core.heraldOK("booking", "create", "salon", "--id", "keep-me", "--start", Self.future(days: 5))
        #expect(try await core.stop(signal: SIGINT) == 0)

        let again = try await RunningCore.start(in: directory)
        let shown = try await again.heraldOK("booking", "show", "keep-me", "--json")
        #expect(shown.contains("\"keep-me\""))
        #expect(try await again.stop() == 0)
    }
}
