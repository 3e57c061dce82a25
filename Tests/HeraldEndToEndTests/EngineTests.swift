import Foundation
import HeraldTesting
import Testing

/// The reminder engine end to end: a real `heraldd`, real `herald-test-channel`
/// workers over ZeroMQ, a real SQLite database.
@Suite("Reminder engine end to end", .timeLimit(.minutes(5)))
struct EngineTests {
    @Test func confirmationIsSentOnceAndLogged() async throws {
        let core = try await RunningCore.start()
        let worker = try await RunningChannel.start("email-1", core: core, directory: core.directory)
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let sent = rows.filter { $0.outcome == "sent" }
        #expect(sent.count == 1, "\(rows)")
        let row = try #require(sent.first)
        #expect(row.kind == "confirmation")
        #expect(row.channel == "email")
        #expect(row.provider == "test")
        #expect(row.attempts == 1)
        #expect(row.recipient == "b-1@example.com")
        #expect(row.booking_id == "b-1")
        #expect(row.provider_message_id == "test-\(row.job_id)-1")

        let schedule = try await core.schedule("b-1")
        let confirmation = try #require(schedule.notifications.first { $0.kind == "confirmation" })
        #expect(confirmation.status == "sent", "\(schedule.notifications)")
        #expect(confirmation.job_id == row.job_id)
        #expect(confirmation.attempt == 1)
        // The 1440- and 60-minute reminders of a booking three days out wait for their time.
        let reminders = schedule.notifications.filter { $0.kind == "reminder" }
        #expect(reminders.map(\.reminder_offset_minutes).sorted() == [60, 1440], "\(schedule.notifications)")
        #expect(reminders.allSatisfy { $0.status == "pending" }, "\(reminders)")
        // The worker was handed the confirmation once, and nothing else.
        #expect(worker.handedOut.map(\.id) == [row.job_id])
        #expect(worker.handedOut.map(\.attempt) == [1])

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func outboxWorkerWritesAFileAndReportsProviderOutbox() async throws {
        let core = try await RunningCore.start()
        let outbox = core.directory.appendingPathComponent("outbox")
        let worker = try await RunningChannel.start(
            "email-outbox", core: core, directory: core.directory, arguments: ["--outbox", outbox.path])
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1", email: "ada@example.com")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.outcome == "sent" })
        #expect(row.provider == "outbox")
        #expect(rows.filter { $0.outcome == "sent" }.count == 1)

        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1, "\(files)")
        let file = try #require(files.first)
        #expect(file.contains(row.job_id), "outbox file \(file) is not named after delivery \(row.job_id)")
        let text = try String(contentsOf: outbox.appendingPathComponent(file), encoding: .utf8)
        #expect(text.contains("ada@example.com"), "\(text)")
        #expect(text.contains(row.job_id), "\(text)")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func jobsWaitForAWorkerThenGo() async throws {
        let core = try await RunningCore.start()
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")

        // No email worker: the confirmation is due and waits.
        try await eventually("the email queue to show a due job") {
            let queues = try await core.channels().queues
            return (queues.first { $0.channel == "email" }?.due_now ?? 0) >= 1
        }
        let channels = try await core.channels()
        #expect(channels.workers.isEmpty)
        let email = try #require(channels.queues.first { $0.channel == "email" })
        #expect(email.scheduled == 2, "the two reminders are scheduled")
        #expect(email.leased == 0)
        #expect(try await core.log(tenant: "salon").filter { $0.outcome == "sent" }.isEmpty)
        #expect(try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" }?.status == "pending")

        let worker = try await RunningChannel.start("email-late", core: core, directory: core.directory)
        let rows = try await waitForLog(core, tenant: "salon", "the waiting confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        #expect(rows.filter { $0.outcome == "sent" }.count == 1)
        #expect(rows.first { $0.outcome == "sent" }?.attempts == 1)
        try await eventually("the email queue to drain") {
            let queue = try await core.channels().queues.first { $0.channel == "email" }
            return queue?.due_now == 0 && queue?.leased == 0
        }

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    /// The one test that waits for a reminder's real due time: a booking 75 s out
    /// with a 1-minute reminder, due about 15 s from now.
    @Test func reminderIsSentCloseToItsDueTime() async throws {
        let core = try await RunningCore.start()
        let worker = try await RunningChannel.start("email-1", core: core, directory: core.directory)
        try await core.createTenant("salon")
        try await core.heraldOK("settings", "set", "salon", "--reminders", "1")
        let start = Date().addingTimeInterval(75)
        try await core.createBooking("salon", id: "b-soon", start: start)

        let schedule = try await core.schedule("b-soon")
        let planned = try #require(schedule.notifications.first { $0.kind == "reminder" }, "\(schedule.notifications)")
        #expect(planned.status == "pending", "\(schedule.notifications)")
        let due = try #require(parseISO8601(planned.due_at))
        #expect(abs(due.timeIntervalSince(start.addingTimeInterval(-60))) < 2, "due \(planned.due_at), start \(iso8601(start))")

        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(60), "the reminder to be sent") { rows in
            rows.contains { $0.kind == "reminder" && $0.outcome == "sent" }
        }
        let row = try #require(rows.first { $0.kind == "reminder" && $0.outcome == "sent" })
        let logged = try #require(parseISO8601(row.logged_at))
        // Times print in whole seconds: allow one for truncation, a few for a busy machine.
        let lateness = logged.timeIntervalSince(due)
        #expect(lateness >= -1 && lateness <= 5, "due \(planned.due_at), logged \(row.logged_at)")
        #expect(row.attempts == 1)
        #expect(row.reminder_offset_minutes == 1)
        #expect(rows.filter { $0.outcome == "sent" }.count == 2, "confirmation and reminder: \(rows)")
        #expect(try await core.schedule("b-soon").notifications.first { $0.kind == "reminder" }?.status == "sent")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func retryThenSent() async throws {
        let core = try await RunningCore.start()
        let worker = try await RunningChannel.start(
            "email-flaky", core: core, directory: core.directory, arguments: ["--fail-first", "1", "--retry-after-ms", "200"])
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")

        // The first RETRY waits the engine's backoff (about 5 s), not just the 200 ms asked for.
        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(40), "the retried confirmation to be sent") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }
        let confirmations = rows.filter { $0.kind == "confirmation" }
        #expect(confirmations.count == 1, "a RETRY is not a final outcome: \(rows)")
        let row = try #require(confirmations.first)
        #expect(row.outcome == "sent")
        #expect(row.attempts == 2)
        #expect(worker.handedOut.map(\.attempt) == [1, 2])
        #expect(Set(worker.handedOut.map(\.id)) == [row.job_id])
        let job = try #require(try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" })
        #expect(job.status == "sent")
        #expect(job.attempt == 2)
        #expect(job.last_error.contains("test_fail_first"), "the retry's reason is kept: \(job)")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func failedIsFinalAndNotRetried() async throws {
        let core = try await RunningCore.start()
        let worker = try await RunningChannel.start(
            "email-broken", core: core, directory: core.directory, arguments: ["--outcome", "failed"])
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")

        let rows = try await waitForLog(core, tenant: "salon", "the confirmation to fail") { rows in
            rows.contains { $0.kind == "confirmation" && $0.outcome == "failed" }
        }
        let row = try #require(rows.first { $0.kind == "confirmation" })
        #expect(rows.filter { $0.kind == "confirmation" }.count == 1, "\(rows)")
        #expect(row.attempts == 1)
        #expect(row.provider == "test")
        #expect(row.error.contains("told to fail"), "\(row)")
        let job = try #require(try await core.schedule("b-1").notifications.first { $0.kind == "confirmation" })
        #expect(job.status == "failed")
        // A retry would come back within the backoff (5 s ± 20 %): the queue must stay
        // empty of due and leased email jobs, and the worker must not see it again.
        let until = ContinuousClock.now + .seconds(7)
        while ContinuousClock.now < until {
            let queue = try await core.channels().queues.first { $0.channel == "email" }
            #expect((queue?.due_now ?? 0) == 0 && (queue?.leased ?? 0) == 0)
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(worker.handedOut.count == 1, "\(worker.handedOut)")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func cancelledBookingsRemindersAreNeverHandedOut() async throws {
        let core = try await RunningCore.start()
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")
        // Cancelled while no worker is there: the reminders (future) and the
        // confirmation (due, not yet sent) must all end cancelled.
        try await core.heraldOK("booking", "cancel", "b-1", "--reason", "customer called")

        let worker = try await RunningChannel.start("email-1", core: core, directory: core.directory)
        let rows = try await waitForLog(core, tenant: "salon", "the cancellation notice to be sent") { rows in
            rows.contains { $0.kind == "cancellation" && $0.outcome == "sent" }
        }
        let reminders = rows.filter { $0.kind == "reminder" }
        #expect(reminders.count == 2, "\(rows)")
        #expect(reminders.allSatisfy { $0.outcome == "cancelled" }, "\(reminders)")
        try await eventually("the unsent confirmation to be cancelled") {
            try await core.log(tenant: "salon").contains { $0.kind == "confirmation" && $0.outcome == "cancelled" }
        }
        let schedule = try await core.schedule("b-1")
        for job in schedule.notifications where job.kind != "cancellation" {
            #expect(job.status == "cancelled", "\(job)")
        }
        // Only the cancellation notice ever reached the worker.
        let cancellation = try #require(rows.first { $0.kind == "cancellation" })
        #expect(worker.handedOut.map(\.id) == [cancellation.job_id], "\(worker.handedOut)")
        #expect(try await core.log(tenant: "salon").filter { $0.outcome == "sent" }.map(\.kind) == ["cancellation"])

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func creditLimitsWhatAWorkerHolds() async throws {
        let core = try await RunningCore.start()
        try await core.createTenant("salon")
        for index in 1...10 {
            try await core.createBooking("salon", id: "b-\(index)")
        }
        let worker = try await RunningChannel.start(
            "email-slow", core: core, directory: core.directory, arguments: ["--max-in-flight", "2", "--delay-ms", "1000"])

        // Each delivery takes the worker a second, so the polls (two herald runs each,
        // slow on a busy machine) see deliveries in its hands for five seconds.
        var maxWorkerInFlight = 0
        var maxLeased = 0
        var sawWork = false
        try await eventually("all 10 confirmations to be sent", within: .seconds(60), every: .milliseconds(50)) {
            let channels = try await core.channels()
            if let mine = channels.workers.first(where: { $0.instance_id == "email-slow" }) {
                #expect(mine.max_in_flight == 2)
                maxWorkerInFlight = max(maxWorkerInFlight, mine.in_flight)
                if mine.in_flight > 0 { sawWork = true }
            }
            maxLeased = max(maxLeased, channels.queues.first { $0.channel == "email" }?.leased ?? 0)
            let sent = try await core.log(tenant: "salon").filter { $0.kind == "confirmation" && $0.outcome == "sent" }
            return sent.count == 10
        }
        #expect(sawWork, "never saw a delivery in flight")
        #expect(maxWorkerInFlight <= 2, "in flight peaked at \(maxWorkerInFlight)")
        #expect(maxLeased <= 2, "leased peaked at \(maxLeased)")
        // The worker's own view: never more than 2 at once would mean no over-credit refusals.
        #expect(!worker.process.stderr.contains("beyond this worker's credit"), "\(worker.process.stderr)")
        let handed = worker.handedOut
        #expect(handed.count == 10, "\(handed)")
        #expect(Set(handed.map(\.id)).count == 10)
        let rows = try await core.log(tenant: "salon").filter { $0.outcome == "sent" }
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { $0.attempts == 1 }, "\(rows)")

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }
}

/// Polls the tenant's ReminderLog until `condition` holds and returns it.
func waitForLog(
    _ core: RunningCore, tenant: String, timeout: Duration = .seconds(30), _ what: String,
    _ condition: @escaping ([LogRow]) -> Bool
) async throws -> [LogRow] {
    var rows: [LogRow] = []
    try await eventually(
        "\(what); log so far:\n\(rows.map(\.description).joined(separator: "\n"))\ncore stderr:\n\(core.process.stderr.suffix(4000))",
        within: timeout
    ) {
        rows = try await core.log(tenant: tenant)
        return condition(rows)
    }
    return rows
}

@Suite("Delivery outcomes on the event stream", .timeLimit(.minutes(3)))
struct DeliveryEventStreamTests {
    @Test func tailShowsDeliveryOutcomesLive() async throws {
        let directory = try TemporaryDirectory()
        let core = try await RunningCore.start(in: directory.url)
        let worker = try await RunningChannel.start("email-1", core: core, directory: directory.url)
        try await core.createTenant("salon")
        let tail = try ChildProcess(
            Binaries.herald, ["tail", "--count", "1", "--json", "--type", "delivery.sent", "--tenant", "salon"],
            environment: ["HERALD_EVENTS": core.eventsEndpoint])
        // PUB drops what is published before the subscription arrives: keep
        // making bookings (each confirmation is sent) until tail has one (bounded).
        var attempts = 0
        while tail.isRunning && attempts < 60 {
            attempts += 1
            try await core.createBooking("salon", id: "b-\(attempts)")
            try? await eventually("tail", within: .milliseconds(500)) { !tail.isRunning }
        }
        #expect(try await tail.waitForExit() == 0)
        let line = try JSONSerialization.jsonObject(with: Data(tail.stdout.utf8)) as? [String: Any]
        #expect(line?["type"] as? String == "delivery.sent")
        let entry = line?["entry"] as? [String: Any]
        #expect(entry?["outcome"] as? String == "sent")
        #expect(entry?["kind"] as? String == "confirmation")
        #expect(entry?["provider"] as? String == "test")
        #expect(entry?["tenant_id"] as? String == "salon")
        #expect(try await worker.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}
