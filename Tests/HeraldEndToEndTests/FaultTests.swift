import Foundation
import HeraldTesting
import Testing

/// Crashes and misbehaving workers: `kill -9` of the core or of a worker, a
/// worker that never answers, a core that was down when a reminder fell due.
@Suite("Reminder engine under faults", .timeLimit(.minutes(5)))
struct FaultTests {
    @Test func coreKilledMidDeliveryLosesNothingAndSendsEachOnce() async throws {
        let directory = try TemporaryDirectory()
        var core = try await RunningCore.start(in: directory.url)
        try await core.createTenant("salon")
        for index in 1...20 {
            try await core.createBooking("salon", id: "b-\(index)")
        }
        // 4 at a time, 1 s each: about 5 s of work, so the kill lands mid-stream.
        let first = try await RunningChannel.start(
            "email-a", core: core, directory: directory.url, arguments: ["--delay-ms", "1000", "--max-in-flight", "4"])
        try await eventually("some confirmations sent and more leased", within: .seconds(30)) {
            let sent = try await core.log(tenant: "salon").filter { $0.outcome == "sent" }.count
            let leased = try await core.channels().queues.first { $0.channel == "email" }?.leased ?? 0
            return sent >= 1 && leased >= 1
        }
        _ = try await core.stop(signal: SIGKILL)
        let handedBeforeCrash = first.handedOut
        // Its endpoint is gone: the old worker has no one to report to.
        try await first.kill9()

        core = try await RunningCore.start(in: directory.url)
        let second = try await RunningChannel.start(
            "email-b", core: core, directory: directory.url, arguments: ["--max-in-flight", "4"])
        try await eventually("all 20 confirmations to reach a final state", within: .seconds(60)) {
            var final = 0
            for index in 1...20 {
                let job = try await core.schedule("b-\(index)").notifications.first { $0.kind == "confirmation" }
                if job?.status == "sent" { final += 1 } else if let job, !["pending", "leased"].contains(job.status) {
                    Issue.record("b-\(index)'s confirmation ended \(job)")
                    final += 1
                }
            }
            return final == 20
        }

        let rows = try await core.log(tenant: "salon")
        let sent = rows.filter { $0.outcome == "sent" }
        #expect(sent.count == 20, "\(rows)")
        #expect(Set(sent.map(\.job_id)).count == sent.count, "a job logged sent twice: \(sent)")
        let notifications = sent.map { [$0.booking_id, $0.kind, $0.channel, $0.recipient].joined(separator: "|") }
        #expect(Set(notifications).count == notifications.count, "a notification logged sent twice: \(sent)")
        #expect(Set(sent.map(\.booking_id)) == Set((1...20).map { "b-\($0)" }))
        #expect(rows.allSatisfy { $0.kind != "confirmation" || $0.outcome == "sent" }, "\(rows)")
        // What the first worker held when the core died went out again at a higher attempt.
        let sentBefore = Set(sent.filter { !second.handedOut.map(\.id).contains($0.job_id) }.map(\.job_id))
        let redone = second.handedOut.filter { handedBeforeCrash.map(\.id).contains($0.id) }
        #expect(!redone.isEmpty, "nothing in flight at the crash was handed out again")
        #expect(redone.allSatisfy { $0.attempt >= 2 }, "\(redone)")
        #expect(sentBefore.count + Set(second.handedOut.map(\.id)).count == 20)

        #expect(try await second.stop() == 0, "\(second.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func killedWorkersDeliveriesAreFinishedByTheOther() async throws {
        let core = try await RunningCore.start(arguments: ["--heartbeat-interval", "0.2", "--lease", "30"])
        try await core.createTenant("salon")
        for index in 1...9 {
            try await core.createBooking("salon", id: "b-\(index)")
        }
        // The survivor takes three at a time, 2 s each; the second worker gets what
        // is left when it registers (up to three at once) and is killed the moment
        // it has any.
        let survivor = try await RunningChannel.start(
            "email-survivor", core: core, directory: core.directory, arguments: ["--delay-ms", "2000", "--max-in-flight", "3"])
        try await eventually("the survivor to hold three", within: .seconds(20)) { survivor.handedOut.count == 3 }
        let doomed = try await RunningChannel.start(
            "email-doomed", core: core, directory: core.directory, arguments: ["--delay-ms", "2000", "--max-in-flight", "3"],
            waitForRegistration: false)
        try await eventually("the doomed worker to hold a delivery", within: .seconds(20)) { !doomed.handedOut.isEmpty }
        try await doomed.kill9()
        let killedAt = ContinuousClock.now
        let lost = doomed.handedOut
        #expect(lost.allSatisfy { $0.attempt == 1 })

        try await eventually("the core to forget the killed worker", within: .seconds(25)) {
            try await !core.channels().workers.contains { $0.instance_id == "email-doomed" }
        }
        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(25), "all 9 confirmations to be sent") { rows in
            rows.filter { $0.kind == "confirmation" && $0.outcome == "sent" }.count == 9
        }
        // Well within the 30 s lease: heartbeats found the dead worker, not lease expiry.
        #expect(ContinuousClock.now - killedAt < .seconds(20))
        let sent = rows.filter { $0.outcome == "sent" }
        #expect(sent.count == 9)
        #expect(Set(sent.map(\.job_id)).count == 9)
        let survivorHanded = survivor.handedOut
        for delivery in lost {
            #expect(survivorHanded.contains { $0.id == delivery.id && $0.attempt == delivery.attempt + 1 },
                    "\(delivery.id) held by the killed worker was not redone by the survivor: \(survivorHanded)")
            #expect(sent.first { $0.job_id == delivery.id }?.attempts == delivery.attempt + 1)
        }
        #expect(survivorHanded.contains { $0.attempt == 2 })
        #expect(survivor.isRunning, "the survivor died: \(survivor.process.stderr)")

        #expect(try await survivor.stop() == 0, "\(survivor.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    @Test func unansweredDeliveriesGoBackAfterTheLease() async throws {
        let core = try await RunningCore.start(arguments: ["--lease", "2"])
        // It takes all three and never answers.
        let hanging = try await RunningChannel.start(
            "email-hang", core: core, directory: core.directory, arguments: ["--outcome", "hang", "--max-in-flight", "3"])
        try await core.createTenant("salon")
        for index in 1...3 {
            try await core.createBooking("salon", id: "b-\(index)")
        }
        try await eventually("the hanging worker to hold all three", within: .seconds(20)) { hanging.handedOut.count == 3 }
        let healthy = try await RunningChannel.start("email-ok", core: core, directory: core.directory)

        let rows = try await waitForLog(core, tenant: "salon", timeout: .seconds(30), "the healthy worker to send all three") { rows in
            rows.filter { $0.kind == "confirmation" && $0.outcome == "sent" }.count == 3
        }
        let sent = rows.filter { $0.outcome == "sent" }
        #expect(sent.count == 3, "\(rows)")
        #expect(sent.allSatisfy { $0.attempts >= 2 }, "\(sent)")
        #expect(Set(sent.map(\.job_id)) == Set(hanging.handedOut.map(\.id)))
        #expect(healthy.handedOut.allSatisfy { $0.attempt >= 2 }, "\(healthy.handedOut)")
        #expect(Set(healthy.handedOut.map(\.id)) == Set(sent.map(\.job_id)))
        #expect(hanging.handedOut.allSatisfy { $0.attempt == 1 })

        // Its sends never end by themselves: no graceful drain to wait for.
        try await hanging.kill9()
        #expect(try await healthy.stop() == 0, "\(healthy.process.stderr)")
        #expect(try await core.stop() == 0)
    }

    /// The downtime policy: a reminder that fell due while the core was down, and
    /// more than the grace ago, is `missed` with a reason, not sent late.
    @Test func reminderDueDuringDowntimeIsMissed() async throws {
        let directory = try TemporaryDirectory()
        let grace = ["--late-grace", "0.05"] // 3 s
        var core = try await RunningCore.start(in: directory.url, arguments: grace)
        try await core.createTenant("salon")
        try await core.heraldOK("settings", "set", "salon", "--reminders", "1")
        try await core.createBooking("salon", id: "b-1", start: Date().addingTimeInterval(75))
        let planned = try #require(try await core.schedule("b-1").notifications.first { $0.kind == "reminder" })
        #expect(planned.status == "pending", "\(planned)")
        let due = try #require(parseISO8601(planned.due_at))
        #expect(try await core.stop() == 0)

        // Down past due + grace (3 s), with a margin for a busy machine.
        try await eventually("the reminder's due time plus grace to pass", within: .seconds(60)) {
            Date() > due.addingTimeInterval(6)
        }
        core = try await RunningCore.start(in: directory.url, arguments: grace)
        let worker = try await RunningChannel.start("email-1", core: core, directory: directory.url)
        let rows = try await waitForLog(core, tenant: "salon", "the reminder to be recorded missed") { rows in
            rows.contains { $0.kind == "reminder" && $0.outcome != "skipped" }
        }
        let row = try #require(rows.first { $0.kind == "reminder" })
        #expect(row.outcome == "missed", "\(rows)")
        #expect(row.error.contains("past the grace"), "no reason given: \(row)")
        #expect(try await core.schedule("b-1").notifications.first { $0.kind == "reminder" }?.status == "missed")
        #expect(!worker.handedOut.contains { $0.id == planned.job_id }, "the missed reminder was handed out")
        // The confirmation answers the booking itself: late is still better than never.
        try await eventually("the confirmation to be sent late") {
            try await core.log(tenant: "salon").contains { $0.kind == "confirmation" && $0.outcome == "sent" }
        }

        #expect(try await worker.stop() == 0, "\(worker.process.stderr)")
        #expect(try await core.stop() == 0)
    }
}

/// Restarts that once went wrong (each test found a bug, since fixed).
@Suite("Reminder engine restarts", .timeLimit(.minutes(5)))
struct RestartTests {
    /// A core that crashes and comes back at once on the same endpoints (a
    /// supervisor restart) must get its workers back.
    ///
    /// The worker's next heartbeat reaches the new core, which answers
    /// `Reject("not registered...")`; a worker that was welcomed on that
    /// connection takes it as a lost core and registers again.
    @Test func workerSurvivesAQuickCoreRestartOnTheSameEndpoints() async throws {
        let directory = try TemporaryDirectory()
        var core = try await RunningCore.start(in: directory.url)
        let endpoints = core.endpoints
        let worker = try await RunningChannel.start("email-1", core: core, directory: directory.url)
        try await core.createTenant("salon")
        try await core.createBooking("salon", id: "b-1")
        _ = try await waitForLog(core, tenant: "salon", "the first confirmation") { rows in
            rows.contains { $0.booking_id == "b-1" && $0.outcome == "sent" }
        }
        _ = try await core.stop(signal: SIGKILL)
        core = try await RunningCore.start(in: directory.url, endpoints: endpoints)
        try await core.createBooking("salon", id: "b-2")
        // Sent by the same worker, or the worker gave up: whichever comes first.
        var sent = false
        try await eventually("b-2's confirmation to be sent or the worker to exit", within: .seconds(40)) {
            sent = try await core.log(tenant: "salon").contains { $0.booking_id == "b-2" && $0.outcome == "sent" }
            return sent || !worker.isRunning
        }
        #expect(worker.isRunning, "the worker exited: \(worker.process.stderr.suffix(1000))")
        #expect(sent)
        if worker.isRunning { _ = try await worker.stop() }
        #expect(try await core.stop() == 0)
    }

    /// A reminder leased when the core crashed, with the core down past due +
    /// grace, must be `missed` after the restart like one that was never leased.
    ///
    /// Giving leases back at the restart keeps each job's due time, from which
    /// the send-time check measures lateness.
    @Test func reminderLeasedAtACrashAndDownPastGraceIsMissed() async throws {
        let directory = try TemporaryDirectory()
        let grace = ["--late-grace", "0.05"] // 3 s
        var core = try await RunningCore.start(in: directory.url, arguments: grace)
        let hanging = try await RunningChannel.start(
            "email-hang", core: core, directory: directory.url, arguments: ["--outcome", "hang"])
        try await core.createTenant("salon")
        try await core.heraldOK("settings", "set", "salon", "--reminders", "1")
        try await core.createBooking("salon", id: "b-1", start: Date().addingTimeInterval(75))
        let planned = try #require(try await core.schedule("b-1").notifications.first { $0.kind == "reminder" })
        let due = try #require(parseISO8601(planned.due_at))
        try await eventually("the reminder to be handed out", within: .seconds(40)) {
            hanging.handedOut.contains { $0.id == planned.job_id }
        }
        _ = try await core.stop(signal: SIGKILL)
        try await hanging.kill9()
        try await eventually("due + grace to pass", within: .seconds(60)) { Date() > due.addingTimeInterval(8) }

        core = try await RunningCore.start(in: directory.url, arguments: grace)
        let worker = try await RunningChannel.start("email-ok", core: core, directory: directory.url)
        let rows = try await waitForLog(core, tenant: "salon", "the reminder's final state") { rows in
            rows.contains { $0.kind == "reminder" && $0.outcome != "skipped" }
        }
        let row = try #require(rows.first { $0.kind == "reminder" })
        #expect(row.outcome == "missed", "sent \(row.logged_at) though due \(planned.due_at) with a 3 s grace: \(row)")
        #expect(!worker.handedOut.contains { $0.id == planned.job_id })
        #expect(try await worker.stop() == 0)
        #expect(try await core.stop() == 0)
    }
}
