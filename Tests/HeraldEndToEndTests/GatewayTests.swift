import Foundation
import HeraldChannelKit
import Testing

/// The real heraldd behind the real herald-gateway, called over HTTP as a booking app would.
@Suite("herald-gateway against a running heraldd", .timeLimit(.minutes(5)))
struct GatewayTests {
    struct Setup {
        var core: RunningCore
        var gateway: RunningGateway
        var salonKey: String
        var clinicKey: String
        var adminKey: String
    }

    static func setUp() async throws -> Setup {
        let core = try await RunningCore.start()
        try await core.heraldOK("tenant", "create", "salon", "--name", "Salon")
        try await core.heraldOK("tenant", "create", "clinic", "--name", "Clinic")
        func key(_ arguments: String...) async throws -> String {
            let output = try await runHerald(["apikey", "create"] + arguments + ["--json"], environment: ["HERALD_CORE": core.adminEndpoint])
            let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
            return try #require(json?["key"] as? String, "\(output)")
        }
        let gateway = try await RunningGateway.start(core: core)
        return Setup(
            core: core, gateway: gateway, salonKey: try await key("salon"), clinicKey: try await key("clinic"),
            adminKey: try await key("--role", "admin"))
    }

    static var booking: [String: Any] {
        [
            "customer_name": "Ada Lovelace", "customer_email": "ada@example.com",
            "start_at": AdminCLITests.future(days: 3), "status": "confirmed",
        ]
    }

    @Test func healthAndReadiness() async throws {
        let setup = try await Self.setUp()
        #expect(try await setup.gateway.request("GET", "/healthz").status == 200)
        let ready = try await setup.gateway.request("GET", "/readyz")
        #expect(ready.status == 200, "\(ready)")
        #expect(try await setup.core.stop() == 0)
        let notReady = try await setup.gateway.request("GET", "/readyz")
        #expect(notReady.status == 503, "\(notReady)")
        #expect(notReady.response.header("Content-Type") == "application/problem+json")
        #expect(try await setup.gateway.stop() == 0)
    }

    /// The suppression list over HTTP: a tenant key manages its own tenant's list only,
    /// a booking for a suppressed number plans its SMS skipped, and bad input is a 4xx.
    @Test func theSuppressionListIsManagedPerTenant() async throws {
        let setup = try await Self.setUp()
        let gateway = setup.gateway
        let added = try await gateway.request(
            "POST", "/api/suppressions", key: setup.salonKey,
            body: ["channel": "sms", "recipient": "+4915112345678", "reason": "asked at the front desk"])
        #expect(added.status == 201, "\(added)")
        #expect(added.json["source"] as? String == "admin" && added.json["scope"] as? String == "all", "\(added)")
        let listed = try await gateway.request("GET", "/api/suppressions?channel=sms", key: setup.salonKey)
        #expect((listed.json["suppressions"] as? [[String: Any]])?.map { $0["recipient"] as? String } == ["+4915112345678"], "\(listed)")
        let other = try await gateway.request("GET", "/api/suppressions", key: setup.clinicKey)
        #expect((other.json["suppressions"] as? [[String: Any]])?.isEmpty == true, "another tenant's list is its own: \(other)")
        let foreign = try await gateway.request("GET", "/api/suppressions?tenant_id=salon", key: setup.clinicKey)
        #expect(foreign.status == 403 || foreign.status == 404, "\(foreign)")

        let bad = try await gateway.request("POST", "/api/suppressions", key: setup.salonKey, body: ["channel": "fax", "recipient": "1"])
        #expect(bad.status == 422 || bad.status == 400, "\(bad)")
        let unknownField = try await gateway.request(
            "DELETE", "/api/suppressions", key: setup.salonKey, body: ["channel": "sms", "recipient": "+4915112345678", "why": "x"])
        #expect(unknownField.status == 400, "\(unknownField)")

        _ = try await setup.core.heraldOrThrow(["settings", "set", "salon", "--sms", "on"])
        var booking = Self.booking
        booking["customer_phone"] = "+4915112345678"
        let created = try await gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: booking)
        let id = try #require(created.json["booking_id"] as? String, "\(created)")
        let schedule = try await gateway.request("GET", "/api/bookings/\(id)/notifications", key: setup.salonKey)
        let sms = (schedule.json["notifications"] as? [[String: Any]])?.filter { $0["channel"] as? String == "sms" } ?? []
        #expect(!sms.isEmpty && sms.allSatisfy { $0["status"] as? String == "skipped" && $0["last_error"] as? String == "recipient opted out" }, "\(schedule)")

        let removed = try await gateway.request(
            "DELETE", "/api/suppressions", key: setup.salonKey, body: ["channel": "sms", "recipient": "+4915112345678"])
        #expect(removed.status == 200 && removed.json["removed"] as? Bool == true, "\(removed)")
        let again = try await gateway.request(
            "DELETE", "/api/suppressions", key: setup.salonKey, body: ["channel": "sms", "recipient": "+4915112345678"])
        #expect(again.json["removed"] as? Bool == false, "\(again)")
    }

    @Test func aTenantKeyCreatesReadsReschedulesAndCancels() async throws {
        let setup = try await Self.setUp()
        let gateway = setup.gateway
        let created = try await gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: Self.booking)
        #expect(created.status == 201, "\(created)")
        #expect(created.json["ok"] as? Bool == true)
        let id = try #require(created.json["booking_id"] as? String)
        #expect(created.response.header("Location") == "/api/bookings/\(id)")

        let read = try await gateway.request("GET", "/api/bookings/\(id)", key: setup.salonKey)
        #expect(read.json["customer_email"] as? String == "ada@example.com")
        #expect(read.json["status"] as? String == "confirmed")

        let list = try await gateway.request("GET", "/api/tenants/salon/bookings?limit=10", key: setup.salonKey)
        #expect((list.json["bookings"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

        let newStart = AdminCLITests.future(days: 4)
        let moved = try await gateway.request("PATCH", "/api/bookings/\(id)", key: setup.salonKey, body: ["start_at": newStart])
        #expect(moved.status == 200, "\(moved)")
        let movedBooking = moved.json["booking"] as? [String: Any]
        #expect(movedBooking?["start_at"] as? String == newStart)
        #expect(movedBooking?["schedule_version"] as? Int == 2)

        let cancelled = try await gateway.request("DELETE", "/api/bookings/\(id)", key: setup.salonKey)
        #expect(cancelled.status == 200, "\(cancelled)")
        #expect((cancelled.json["booking"] as? [String: Any])?["status"] as? String == "cancelled")
        let schedule = try await gateway.request("GET", "/api/bookings/\(id)/notifications", key: setup.salonKey)
        let kinds = (schedule.json["notifications"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
        #expect(kinds.contains("cancellation"), "\(schedule)")
        // The booking's own log, and nothing of it for another tenant.
        let log = try await gateway.request("GET", "/api/reminder-log?booking_id=\(id)", key: setup.salonKey)
        #expect(log.status == 200, "\(log)")
        let clinicLog = try await gateway.request("GET", "/api/reminder-log?booking_id=\(id)", key: setup.clinicKey)
        #expect((clinicLog.json["entries"] as? [Any])?.isEmpty == true, "\(clinicLog)")
        #expect(try await gateway.stop() == 0)
    }

    @Test func keysAreCheckedAndTenantsKeptApart() async throws {
        let setup = try await Self.setUp()
        let gateway = setup.gateway
        for key in [nil, "hk_wrong"] {
            let refused = try await gateway.request("GET", "/api/tenants/salon/bookings", key: key)
            #expect(refused.status == 401, "\(refused)")
            #expect(refused.response.header("Content-Type") == "application/problem+json")
            #expect(refused.response.header("WWW-Authenticate") == "Bearer")
        }
        let created = try await gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: Self.booking)
        let id = try #require(created.json["booking_id"] as? String, "\(created)")

        // The clinic's key cannot see, change or list the salon's data: 404, as if it did not exist.
        #expect(try await gateway.request("GET", "/api/bookings/\(id)", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("DELETE", "/api/bookings/\(id)", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("GET", "/api/bookings/\(id)/notifications", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("GET", "/api/tenants/salon/bookings", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("POST", "/api/tenants/salon/bookings", key: setup.clinicKey, body: Self.booking).status == 404)
        #expect(try await gateway.request("GET", "/api/bookings/bk_missing", key: setup.clinicKey).status == 404)

        // An admin key manages every tenant.
        #expect(try await gateway.request("GET", "/api/bookings/\(id)", key: setup.adminKey).status == 200)
        let clinic = try await gateway.request("POST", "/api/tenants/clinic/bookings", key: setup.adminKey, body: Self.booking)
        #expect(clinic.status == 201, "\(clinic)")
        let settings = try await gateway.request(
            "PATCH", "/api/tenants/clinic/settings", key: setup.adminKey,
            body: ["reminder_hours_before": [24, 2], "sms_enabled": true, "quiet_hours": ["start": "21:00", "end": "08:00"]])
        #expect(settings.status == 200, "\(settings)")
        #expect(settings.json["reminder_minutes_before"] as? [Int] == [1440, 120])
        #expect((settings.json["quiet_hours"] as? [String: String])?["start"] == "21:00")
        #expect(try await gateway.request("GET", "/api/tenants/clinic/settings", key: setup.salonKey).status == 404)
        #expect(try await gateway.stop() == 0)
    }

    @Test func errorsAreProblemDetailsNamingTheField() async throws {
        let setup = try await Self.setUp()
        var bad = Self.booking
        bad["customer_email"] = "not-an-address"
        let invalid = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: bad)
        #expect(invalid.status == 422, "\(invalid)")
        #expect(invalid.response.header("Content-Type") == "application/problem+json")
        #expect(invalid.json["status"] as? Int == 422)
        #expect(invalid.json["code"] as? String == "INVALID_ARGUMENT")
        let fields = (invalid.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
        #expect(fields == ["customer_email"])

        var wrongType = Self.booking
        wrongType["start_at"] = 12
        let malformed = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: wrongType)
        #expect(malformed.status == 400, "\(malformed)")
        #expect((malformed.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "start_at")

        let status = try await setup.gateway.request("PATCH", "/api/bookings/bk_x", key: setup.salonKey, body: ["status": "done"])
        #expect(status.status == 404 || status.status == 422, "\(status)")
        #expect(try await setup.gateway.stop() == 0)
    }

    @Test func aRetriedCreateWithAnIdempotencyKeyAnswersTheFirstResult() async throws {
        let setup = try await Self.setUp()
        let key = [HTTPHeader("Idempotency-Key", "order-42")]
        let first = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: Self.booking, headers: key)
        let again = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: Self.booking, headers: key)
        #expect(first.status == 201, "\(first)")
        #expect(again.status == 201)
        #expect(again.json["booking_id"] as? String == first.json["booking_id"] as? String)
        #expect(again.response.header("Idempotent-Replayed") == "true")
        let list = try await setup.gateway.request("GET", "/api/tenants/salon/bookings", key: setup.salonKey)
        #expect((list.json["bookings"] as? [Any])?.count == 1)

        var other = Self.booking
        other["customer_name"] = "Someone Else"
        let reused = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: other, headers: key)
        #expect(reused.status == 422, "\(reused)")

        // The core keeps the answers: a new gateway process replays them too.
        #expect(try await setup.gateway.stop() == 0)
        let restarted = try await RunningGateway.start(core: setup.core)
        let afterRestart = try await restarted.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: Self.booking, headers: key)
        #expect(afterRestart.status == 201, "\(afterRestart)")
        #expect(afterRestart.json["booking_id"] as? String == first.json["booking_id"] as? String)
        // Another API key has keys of its own.
        let clinic = try await restarted.request("POST", "/api/tenants/clinic/bookings", key: setup.clinicKey, body: Self.booking, headers: key)
        #expect(clinic.status == 201, "\(clinic)")
        #expect(clinic.json["booking_id"] as? String != first.json["booking_id"] as? String)
        #expect(try await restarted.stop() == 0)
    }

    @Test func eventTypesAndWebhooks() async throws {
        let setup = try await Self.setUp()
        let gateway = setup.gateway
        let created = try await gateway.request(
            "POST", "/api/event-types", key: setup.salonKey,
            body: ["id": "haircut", "name": "Haircut", "reminder_minutes_before": [1440, 60],
                   "booking_notification_emails": ["anna@salon.example"]])
        #expect(created.status == 201, "\(created)")
        #expect(created.json["reminder_minutes_before"] as? [Int] == [1440, 60])
        let badEmail = try await gateway.request(
            "PATCH", "/api/event-types/haircut", key: setup.salonKey, body: ["booking_notification_emails": ["nope"]])
        #expect(badEmail.status == 422, "\(badEmail)")
        #expect((badEmail.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "booking_notification_emails")
        let cleared = try await gateway.request("PATCH", "/api/event-types/haircut", key: setup.salonKey, body: ["reminder_minutes_before": NSNull()])
        #expect(cleared.status == 200, "\(cleared)")
        #expect(cleared.json["reminder_minutes_before"] == nil)
        #expect(try await gateway.request("GET", "/api/event-types/haircut", key: setup.clinicKey).status == 404)
        let adminList = try await gateway.request("GET", "/api/event-types?tenant_id=salon", key: setup.adminKey)
        #expect((adminList.json["event_types"] as? [Any])?.count == 1)
        #expect(try await gateway.request("GET", "/api/event-types", key: setup.adminKey).status == 400)

        let webhook = try await gateway.request(
            "POST", "/api/webhooks", key: setup.salonKey,
            body: ["url": "https://hooks.salon.example/herald", "event_types": ["booking.created"]])
        #expect(webhook.status == 201, "\(webhook)")
        #expect((webhook.json["secret"] as? String)?.hasPrefix("whsec_") == true)
        let id = try #require(webhook.json["id"] as? String)
        let listed = try await gateway.request("GET", "/api/webhooks", key: setup.salonKey)
        #expect((listed.json["webhooks"] as? [[String: Any]])?.first?["secret"] == nil)
        #expect(try await gateway.request("GET", "/api/webhooks/\(id)", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("DELETE", "/api/webhooks/\(id)", key: setup.clinicKey).status == 404)
        #expect(try await gateway.request("GET", "/api/webhooks/\(id)", key: setup.adminKey).status == 200)
        #expect(try await gateway.request("DELETE", "/api/webhooks/\(id)", key: setup.salonKey).status == 200)
        #expect(try await gateway.request("GET", "/api/webhooks/\(id)", key: setup.salonKey).status == 404)
        #expect(try await gateway.stop() == 0)
    }

    @Test func bookingListsArePagedByCursor() async throws {
        let setup = try await Self.setUp()
        var ids: [String] = []
        for day in 1...5 {
            var booking = Self.booking
            booking["start_at"] = AdminCLITests.future(days: day)
            let created = try await setup.gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: booking)
            ids.append(try #require(created.json["booking_id"] as? String, "\(created)"))
        }
        var seen: [String] = []
        var path = "/api/tenants/salon/bookings?limit=2"
        while true {
            let page = try await setup.gateway.request("GET", path, key: setup.salonKey)
            #expect(page.status == 200, "\(page)")
            seen += (page.json["bookings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
            guard let cursor = page.json["next_cursor"] as? String else { break }
            path = "/api/tenants/salon/bookings?limit=2&cursor=\(cursor)"
        }
        #expect(seen == ids)
        let bad = try await setup.gateway.request("GET", "/api/tenants/salon/bookings?cursor=nonsense", key: setup.salonKey)
        #expect(bad.status == 422, "\(bad)")
        #expect((bad.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "cursor")
        #expect(try await setup.gateway.stop() == 0)
    }

    /// The lists the console reads, in the API: a search, a start window, log filters and pages.
    @Test func bookingsAreSearchedAndTheLogFiltered() async throws {
        let setup = try await Self.setUp()
        let gateway = setup.gateway
        var ids: [String] = []
        for (name, day) in [("Ada Lovelace", 1), ("Grace Hopper", 2), ("Ada Byron", 4)] {
            var booking = Self.booking
            booking["customer_name"] = name
            booking["customer_email"] = "customer\(day)@example.com"
            booking["start_at"] = AdminCLITests.future(days: day)
            let created = try await gateway.request("POST", "/api/tenants/salon/bookings", key: setup.salonKey, body: booking)
            ids.append(try #require(created.json["booking_id"] as? String, "\(created)"))
        }
        func listed(_ query: String) async throws -> [String] {
            let page = try await gateway.request("GET", "/api/tenants/salon/bookings?\(query)", key: setup.salonKey)
            #expect(page.status == 200, "\(page)")
            return (page.json["bookings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        }
        #expect(try await listed("q=ada") == [ids[2], ids[0]])
        #expect(try await listed("q=HOPPER") == [ids[1]])
        #expect(try await listed("q=\(ids[1])") == [ids[1]])
        #expect(try await listed("q=ada&limit=1") == [ids[2]])
        let from = AdminCLITests.future(days: 0), before = AdminCLITests.future(days: 3)
        #expect(try await listed("starts_from=\(from)&starts_before=\(before)") == [ids[0], ids[1]])
        let clinic = try await gateway.request("GET", "/api/tenants/clinic/bookings?q=ada", key: setup.clinicKey)
        #expect((clinic.json["bookings"] as? [Any])?.isEmpty == true, "\(clinic)")
        let half = try await gateway.request("GET", "/api/tenants/salon/bookings?starts_from=\(from)", key: setup.salonKey)
        #expect(half.status == 422 && (half.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "starts_before", "\(half)")

        // Cancelling a booking logs its open notifications as cancelled: rows to filter.
        #expect(try await gateway.request("DELETE", "/api/bookings/\(ids[1])", key: setup.salonKey).status == 200)
        func entries(_ query: String) async throws -> [[String: Any]] {
            let answer = try await gateway.request("GET", "/api/reminder-log?\(query)", key: setup.salonKey)
            #expect(answer.status == 200, "\(answer)")
            return answer.json["entries"] as? [[String: Any]] ?? []
        }
        let cancelled = try await entries("outcome=cancelled&channel=email")
        #expect(cancelled.count >= 2 && cancelled.allSatisfy { $0["booking_id"] as? String == ids[1] }, "\(cancelled)")
        let reminders = try await entries("outcome=cancelled&kind=reminder")
        #expect(!reminders.isEmpty && reminders.allSatisfy { $0["kind"] as? String == "reminder" }, "\(reminders)")
        #expect(try await entries("outcome=sent").isEmpty)
        #expect(try await entries("since=\(AdminCLITests.future(days: 1))").isEmpty)
        let first = try #require(try await entries("limit=1").first)
        let next = try await entries("limit=1&before_id=\(try #require(first["id"] as? Int))")
        #expect(next.count == 1 && (next.first?["id"] as? Int ?? .max) < (first["id"] as? Int ?? 0), "\(first) then \(next)")
        let bad = try await gateway.request("GET", "/api/reminder-log?outcome=lost&channel=Pigeon", key: setup.salonKey)
        #expect(bad.status == 422, "\(bad)")
        #expect(Set((bad.json["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []) == ["outcome", "channel"], "\(bad)")
        #expect(try await gateway.request("GET", "/api/reminder-log?before_id=0", key: setup.salonKey).status == 400)
        #expect(try await gateway.stop() == 0)
    }

    /// `herald ... --json` and the gateway print an object the same way (one set of views).
    @Test func theCLIsJSONIsTheGatewaysJSON() async throws {
        let setup = try await Self.setUp()
        let (core, gateway, key) = (setup.core, setup.gateway, setup.salonKey)
        try await core.heraldOK(
            "settings", "set", "salon", "--sms", "on", "--reminders", "1440,60", "--quiet-hours", "21:00-08:00")
        try await core.heraldOK(
            "event-type", "create", "salon", "haircut", "--name", "Haircut", "--reminders", "120",
            "--host-emails", "anna@salon.example", "--duration", "45")
        try await core.heraldOK("event-type", "create", "salon", "walk-in", "--name", "Walk-in")
        let booking = try await core.heraldOK(
            "booking", "create", "salon", "--start", AdminCLITests.future(days: 3), "--name", "Ada Lovelace",
            "--email", "ada@example.com", "--event-type", "haircut"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let webhook = try await gateway.request(
            "POST", "/api/webhooks", key: key, body: ["url": "https://hooks.salon.example/herald", "event_types": ["booking.created"]])
        let webhookID = try #require(webhook.json["id"] as? String, "\(webhook)")

        func cli(_ arguments: String...) async throws -> Any {
            let output = try await runHerald(arguments + ["--json"], environment: core.heraldEnvironment)
            #expect(output.status == 0, "\(output)")
            return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        }
        func api(_ path: String) async throws -> Any {
            let answer = try await gateway.request("GET", path, key: key)
            #expect(answer.status == 200, "\(answer)")
            return try JSONSerialization.jsonObject(with: answer.response.body)
        }
        let pairs: [(String, Any, Any)] = [
            ("settings", try await cli("settings", "show", "salon"), try await api("/api/tenants/salon/settings")),
            ("event type", try await cli("event-type", "show", "salon", "haircut"), try await api("/api/event-types/haircut")),
            ("event type without offsets", try await cli("event-type", "show", "salon", "walk-in"), try await api("/api/event-types/walk-in")),
            ("event types", try await cli("event-type", "list", "salon"),
             ((try await api("/api/event-types")) as? [String: Any])?["event_types"] as Any),
            ("booking", try await cli("booking", "show", booking), try await api("/api/bookings/\(booking)")),
            ("schedule", try await cli("schedule", booking), try await api("/api/bookings/\(booking)/notifications")),
            ("webhooks", try await cli("webhook", "list", "salon"),
             ((try await api("/api/webhooks")) as? [String: Any])?["webhooks"] as Any),
        ]
        // Compared as canonical JSON (keys sorted, one line): same fields, same values, same types.
        func canonical(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
        for (what, printed, answered) in pairs {
            let (cliJSON, apiJSON) = (try canonical(printed), try canonical(answered))
            #expect(cliJSON == apiJSON, "\(what): the CLI printed \(cliJSON), the gateway answered \(apiJSON)")
        }
        let settings = try #require(pairs[0].1 as? [String: Any])
        #expect(settings["reminder_minutes_before"] as? [Int] == [1440, 60])
        #expect(settings["quiet_hours"] as? [String: String] == ["start": "21:00", "end": "08:00"])
        let eventType = try #require(pairs[1].1 as? [String: Any])
        #expect(eventType["booking_notification_emails"] as? [String] == ["anna@salon.example"])
        #expect((pairs[2].1 as? [String: Any])?.keys.contains("reminder_minutes_before") == false)
        #expect(try await gateway.stop() == 0)
    }

    /// Bodies accept the names the CLI's `--json` used to print, so scripts fed by it keep working.
    @Test func formerCLIFieldNamesAreAcceptedInBodies() async throws {
        let setup = try await Self.setUp()
        let (gateway, key) = (setup.gateway, setup.salonKey)
        let settings = try await gateway.request(
            "PATCH", "/api/tenants/salon/settings", key: key, body: ["reminder_offsets_minutes": [2880, 30]])
        #expect(settings.status == 200, "\(settings)")
        #expect(settings.json["reminder_minutes_before"] as? [Int] == [2880, 30])
        #expect(settings.json["reminder_offsets_minutes"] == nil)

        let created = try await gateway.request(
            "POST", "/api/event-types", key: key,
            body: ["id": "haircut", "name": "Haircut", "reminder_offsets_minutes": [90], "host_emails": ["anna@salon.example"]])
        #expect(created.status == 201, "\(created)")
        #expect(created.json["reminder_minutes_before"] as? [Int] == [90])
        #expect(created.json["booking_notification_emails"] as? [String] == ["anna@salon.example"])
        let changed = try await gateway.request(
            "PATCH", "/api/event-types/haircut", key: key, body: ["host_emails": ["ben@salon.example"], "reminder_offsets_minutes": NSNull()])
        #expect(changed.status == 200, "\(changed)")
        #expect(changed.json["booking_notification_emails"] as? [String] == ["ben@salon.example"])
        #expect(changed.json.keys.contains("reminder_minutes_before") == false)
        // The CLI sees what the old names set.
        let shown = try await setup.core.heraldOK("event-type", "show", "salon", "haircut", "--json")
        #expect((try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])?["booking_notification_emails"] as? [String]
            == ["ben@salon.example"])

        // One field under both names is refused rather than one silently winning.
        let both = try await gateway.request(
            "PATCH", "/api/event-types/haircut", key: key,
            body: ["booking_notification_emails": ["a@salon.example"], "host_emails": ["b@salon.example"]])
        #expect(both.status == 400, "\(both)")
        #expect((both.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "host_emails")
        let wrongType = try await gateway.request("PATCH", "/api/tenants/salon/settings", key: key, body: ["reminder_offsets_minutes": "60"])
        #expect(wrongType.status == 400, "\(wrongType)")
        // A former name counts only where its field belongs: settings have no hosts.
        let misplaced = try await gateway.request("PATCH", "/api/tenants/salon/settings", key: key, body: ["host_emails": ["a@salon.example"]])
        #expect(misplaced.status == 400, "\(misplaced)")
        #expect((misplaced.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "host_emails")
        #expect(try await gateway.stop() == 0)
    }
}
