import Foundation
import HeraldBus
import HeraldProto
import HeraldTesting
import Logging
import Synchronization
import Testing

@testable import HeraldCore

/// The dispatcher over a real store and a real ROUTER, with fake workers
/// speaking the channel protocol on real DEALER sockets, and a clock the test
/// moves: timing is checked without waiting for the wall clock.
@Suite("dispatcher", .timeLimit(.minutes(2)))
struct DispatcherTests {
    /// Heartbeats far apart, so moving the clock by minutes does not make the
    /// fake workers (which do not heartbeat on their own) look dead.
    static let configuration = DispatcherConfiguration(
        heartbeatInterval: 3600, leaseDuration: 120, lateGrace: 15 * 60,
        retry: RetryPolicy(initialDelay: 10, jitter: 0))

    /// Runs `body` with a dispatcher serving a fresh store on a free port.
    static func withDispatcher(
        configuration: DispatcherConfiguration = configuration, logLevel: Logger.Level = .warning,
        metrics: HeraldMetrics = HeraldMetrics(), logHandler: (any LogHandler)? = nil,
        hooks: ((InterleavingStore, ManualWallClock) -> Void)? = nil,
        logged: (@Sendable ([ReminderLogEntry]) -> Void)? = nil,
        _ body: (Dispatcher, SQLiteStore, ManualWallClock, ZMQContext, String) async throws -> Void
    ) async throws {
        try await withTemporaryStore { store, _ in
            let interleaving = InterleavingStore(store)
            try await Fixture.createTenant(store)
            let clock = ManualWallClock(Fixture.now)
            let context = try ZMQContext()
            var logger = Logger(label: "dispatcher-test")
            if let logHandler { logger = Logger(label: "dispatcher-test") { _ in logHandler } }
            logger.logLevel = logLevel
            let endpoint = try RouterEndpoint(
                context: context,
                configuration: .init(
                    endpoint: "tcp://127.0.0.1:*", droppedFramesCounter: metrics.framesUndecodable(endpoint: "channel")),
                logger: logger)
            let dispatcher = Dispatcher(
                store: interleaving, endpoint: endpoint, clock: clock, configuration: configuration,
                coreVersion: "test", logger: logger, metrics: metrics, logged: logged)
            hooks?(interleaving, clock)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.run() }
                try await body(dispatcher, store, clock, context, endpoint.boundEndpoint)
                group.cancelAll()
            }
        }
    }

    /// A booking whose reminder falls due `minutes` after the test's "now".
    static func bookingWithReminder(
        _ store: SQLiteStore, id: String, dueIn minutes: Double, jobID: String
    ) async throws -> Booking {
        let booking = Fixture.booking(id: id, startingIn: minutes + 60)
        try await Fixture.insert(
            booking, jobs: [Fixture.dueJob(jobID, for: booking, due: Fixture.minutes(minutes), offset: 60)], into: store)
        return booking
    }

    @Test func aJobIsHandedOutAtItsTimeNotBefore() async throws {
        try await Self.withDispatcher { dispatcher, store, clock, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: 10, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }

            // Nothing is due a minute early.
            clock.advance(by: 9 * 60)
            dispatcher.wake()
            try await worker.expectNoDelivery(for: .milliseconds(300))

            clock.advance(by: 60)
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "job_b1")
            #expect(delivery.attempt == 1)
            #expect(delivery.kind == .reminder)
            #expect(delivery.message.subject.contains("Reminder"))

            worker.answer(delivery, .sent, providerMessageID: "msg-1")
            let sent = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .sent } }
            #expect(sent.count == 1)
            #expect(sent.first?.providerMessageID == "msg-1")
            #expect(sent.first?.provider == "test")
        }
    }

    /// Time moves on while a turn finds nothing due: the job that fell due
    /// meanwhile must still go out at once, not wait for the next heartbeat.
    @Test func aJobFallingDueDuringATurnIsNotOverslept() async throws {
        try await Self.withDispatcher(hooks: { store, clock in
            // The clock moves on after the turn took its time, while the store works.
            store.beforeTurn.withLock {
                $0 = { turn in
                    if turn.now < Fixture.minutes(10), !turn.leases.isEmpty { clock.set(Fixture.minutes(10)) }
                }
            }
        }) { _, store, _, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: 10, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "job_b1")
        }
    }

    @Test func deliveriesNeverExceedTheWorkersCredit() async throws {
        try await Self.withDispatcher { _, store, _, context, endpoint in
            for index in 0..<5 {
                _ = try await Self.bookingWithReminder(store, id: "b\(index)", dueIn: -1, jobID: "job_\(index)")
            }
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 2)
            defer { worker.close() }
            let first = try await worker.nextDelivery()
            let second = try await worker.nextDelivery()
            try await worker.expectNoDelivery(for: .milliseconds(300))
            #expect(first.deliveryID != second.deliveryID)

            worker.answer(first, .sent)
            let third = try await worker.nextDelivery()
            try await worker.expectNoDelivery(for: .milliseconds(200))
            #expect(![first.deliveryID, second.deliveryID].contains(third.deliveryID))
        }
    }

    @Test func anExpiredLeaseHandsTheJobOutAgainWithTheNextAttempt() async throws {
        try await Self.withDispatcher { _, store, clock, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            let first = try await worker.nextDelivery()
            #expect(first.attempt == 1)

            // The worker never answers; past the lease the job goes back to the queue.
            clock.advance(by: Self.configuration.leaseDuration + 1)
            worker.heartbeat()  // still alive, just slow
            let again = try await worker.nextDelivery()
            #expect(again.deliveryID == "job_b1")
            #expect(again.attempt == 2)

            // The late answer to attempt 1 is ignored; attempt 2's counts.
            worker.answer(first, .sent, providerMessageID: "late")
            worker.answer(again, .sent, providerMessageID: "on-time")
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .sent } }
            #expect(log.filter { $0.outcome == .sent }.map(\.providerMessageID) == ["on-time"])
        }
    }

    @Test func aHungWorkerKeepsItsCreditTakenAfterItsLeaseExpires() async throws {
        try await Self.withDispatcher { _, store, clock, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let hung = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "hung")
            defer { hung.close() }
            let first = try await hung.nextDelivery()

            let healthy = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "healthy")
            defer { healthy.close() }
            clock.advance(by: Self.configuration.leaseDuration + 1)
            healthy.heartbeat()
            // The job goes to the worker with room, never back to the one still holding it.
            let again = try await healthy.nextDelivery()
            #expect(again.deliveryID == first.deliveryID)
            #expect(again.attempt == 2)
            try await hung.expectNoDelivery(for: .milliseconds(300))
        }
    }

    @Test func aSilentWorkersDeliveriesGoToAnother() async throws {
        var configuration = Self.configuration
        configuration.heartbeatInterval = 60
        configuration.leaseDuration = 3600  // only the silence may move the job
        try await Self.withDispatcher(configuration: configuration) { dispatcher, store, clock, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let silent = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "silent")
            defer { silent.close() }
            _ = try await silent.nextDelivery()

            let healthy = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 1, instance: "healthy")
            defer { healthy.close() }
            try await healthy.expectNoDelivery(for: .milliseconds(200))
            // "healthy" speaks two intervals in; "silent" never does again.
            clock.advance(by: 2 * configuration.heartbeatInterval)
            healthy.heartbeat()
            try await waitUntilHeard(dispatcher, instance: "healthy", at: clock.now())
            clock.advance(by: configuration.heartbeatInterval + 1)
            let moved = try await healthy.nextDelivery()
            #expect(moved.deliveryID == "job_b1")
            #expect(moved.attempt == 2)
        }
    }

    /// A plugin's channel needs nothing special: its jobs go to the workers that
    /// registered under its name, and wait while there are none.
    @Test func aCustomChannelsJobGoesToItsOwnWorkersOnly() async throws {
        try await Self.withDispatcher { _, store, _, context, endpoint in
            let hook = "https://chat.example/hooks/abc"
            try await store.createTeamDestination(TeamDestination(
                id: "team_1", tenantID: "acme", channel: "chat", recipient: hook, createdAt: Fixture.now))
            let booking = Fixture.booking(id: "b1")
            var note = Fixture.dueJob("job_chat", for: booking, due: Fixture.minutes(-1), channel: "chat", kind: .hostNotification)
            note.recipient = hook
            note.teamDestinationID = "team_1"
            _ = try await Fixture.insert(booking, jobs: [note], into: store)

            let email = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4, instance: "email-1")
            defer { email.close() }
            try await email.expectNoDelivery(for: .milliseconds(300))

            let chat = try await FakeWorker.register(
                context: context, endpoint: endpoint, maxInFlight: 4, instance: "chat-1", channel: "chat")
            defer { chat.close() }
            let delivery = try await chat.nextDelivery()
            #expect(delivery.deliveryID == "job_chat")
            #expect(delivery.channel == "chat" && delivery.kind == .hostNotification)
            #expect(delivery.recipient.address == hook)
            #expect(delivery.recipient.email.isEmpty && delivery.recipient.phone.isEmpty)
            #expect(delivery.message.subject.hasPrefix("Booking confirmed: Ada Lovelace"), "\(delivery.message)")
            #expect(delivery.message.textBody.contains("Customer: Ada Lovelace"))
            #expect(delivery.message.htmlBody.isEmpty)

            chat.answer(delivery, .sent)
            let log = try await waitForLog(store, bookingID: "b1") { $0.contains { $0.outcome == .sent } }
            #expect(log.map(\.channel) == ["chat"])
            try await email.expectNoDelivery(for: .milliseconds(100))
        }
    }

    @Test func aStaleReminderIsCancelledAtSendTimeNotSent() async throws {
        try await Self.withDispatcher { dispatcher, store, clock, context, endpoint in
            let booking = try await Self.bookingWithReminder(store, id: "b1", dueIn: 5, jobID: "job_b1")
            // The booking moves without its job being cancelled (as if a write raced).
            var moved = booking
            moved.scheduleVersion = 2
            moved.startAt = booking.startAt.addingTimeInterval(3600)
            moved.updatedAt = Fixture.now
            try await store.writeBooking(
                BookingWrite(booking: moved, expected: booking, event: Fixture.event(.rescheduled, for: moved, previous: booking)))
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            clock.advance(by: 5 * 60)
            dispatcher.wake()
            let log = try await waitForLog(store, bookingID: "b1") { !$0.isEmpty }
            #expect(log.map(\.outcome) == [.cancelled])
            #expect(log.first?.error?.contains("rescheduled") == true)
            try await worker.expectNoDelivery(for: .milliseconds(200))
        }
    }

    /// The event stream's feed: every row a turn writes, once, exactly as stored,
    /// without the dispatcher reading the log back.
    @Test func everyRowATurnWritesIsHandedOnAsStored() async throws {
        let published = Mutex<[ReminderLogEntry]>([])
        try await Self.withDispatcher(logged: { rows in published.withLock { $0 += rows } }) {
            dispatcher, store, clock, context, endpoint in
            let stale = try await Self.bookingWithReminder(store, id: "b1", dueIn: 5, jobID: "job_b1")
            _ = try await Self.bookingWithReminder(store, id: "b2", dueIn: 5, jobID: "job_b2")
            var moved = stale
            moved.scheduleVersion = 2
            moved.startAt = stale.startAt.addingTimeInterval(3600)
            moved.updatedAt = Fixture.now
            try await store.writeBooking(
                BookingWrite(booking: moved, expected: stale, event: Fixture.event(.rescheduled, for: moved, previous: stale)))
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            clock.advance(by: 5 * 60)
            dispatcher.wake()
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "job_b2")
            worker.answer(delivery, .sent, providerMessageID: "msg-2")
            _ = try await waitForLog(store, bookingID: "b2") { !$0.isEmpty }
            try await eventually("both rows published") { published.withLock { $0.count } == 2 }

            let stored = try await store.reminderLog(tenantID: "acme", bookingID: nil, limit: 10).reversed()
            #expect(published.withLock { $0 } == Array(stored))
            #expect(published.withLock { $0.map(\.outcome) } == [.cancelled, .sent])
        }
    }

    @Test func aRetryWaitsForItsBackoffAndRetryAfter() async throws {
        try await Self.withDispatcher { _, store, clock, context, endpoint in
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            let first = try await worker.nextDelivery()
            worker.answer(first, .retry, retryAfterMs: 30_000)
            // Move time only once the retry is recorded, so it counts from "now".
            try await waitForJob(store, bookingID: "b1") { $0.status == .pending && $0.attempt == 1 }
            clock.advance(by: 29)
            worker.heartbeat()
            try await worker.expectNoDelivery(for: .milliseconds(300))
            clock.advance(by: 2)
            worker.heartbeat()
            let second = try await worker.nextDelivery()
            #expect(second.attempt == 2)
            worker.answer(second, .failed, errorCode: "21211", errorMessage: "invalid number")
            let log = try await waitForLog(store, bookingID: "b1") { !$0.isEmpty }
            #expect(log.map(\.outcome) == [.failed])
            #expect(log.first?.error == "21211: invalid number")
            #expect(log.first?.attempts == 2)
        }
    }

    @Test func garbageAndUnknownResultsLeaveTheLoopServing() async throws {
        try await Self.withDispatcher { dispatcher, store, _, context, endpoint in
            let worker = try await FakeWorker.register(context: context, endpoint: endpoint, maxInFlight: 4)
            defer { worker.close() }
            worker.sendRaw(Data([0x07, 0x01, 0x02]))
            worker.answer(
                Herald_V1_Delivery.with {
                    $0.deliveryID = "job_nobody"
                    $0.attempt = 1
                }, .sent)
            _ = try await Self.bookingWithReminder(store, id: "b1", dueIn: -1, jobID: "job_b1")
            dispatcher.wake()
            let delivery = try await worker.nextDelivery()
            #expect(delivery.deliveryID == "job_b1")
            // The garbage may reach the core after the wake-up did: wait for its count.
            try await eventually("the garbage to be counted", within: .seconds(20)) { dispatcher.droppedFrames > 0 }
            #expect(dispatcher.droppedFrames == 1)
        }
    }
}

/// Polls the booking's first job until `done` holds (bounded).
func waitForJob(_ store: SQLiteStore, bookingID: String, _ done: (NotificationJob) -> Bool) async throws {
    var last: NotificationJob?
    try await eventually("the job of \(bookingID) to reach the expected state; it is \(last.map { "\($0)" } ?? "missing")", within: .seconds(20)) {
        last = try await store.jobs(bookingID: bookingID).first
        return last.map(done) ?? false
    }
}

/// Waits until the dispatcher has taken note of a worker's message sent at `time`.
func waitUntilHeard(_ dispatcher: Dispatcher, instance: String, at time: Date) async throws {
    try await eventually("the dispatcher to hear from \(instance)", within: .seconds(10)) {
        dispatcher.connectedWorkers.first(where: { $0.instanceID == instance })?.lastHeardAt == time
    }
}

/// Polls the ReminderLog until `done` holds (bounded).
func waitForLog(
    _ store: SQLiteStore, bookingID: String, timeout: Duration = .seconds(20),
    _ done: ([ReminderLogEntry]) -> Bool
) async throws -> [ReminderLogEntry] {
    var log: [ReminderLogEntry] = []
    try await eventually("the log of \(bookingID) to reach the expected state; it holds \(log)", within: timeout) {
        log = try await store.reminderLog(tenantID: nil, bookingID: bookingID, limit: 100)
        return done(log)
    }
    return log
}
